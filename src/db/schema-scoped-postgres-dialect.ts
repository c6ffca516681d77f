import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Kysely,
  PostgresDialect,
  type PostgresDialectConfig,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely'

/**
 * Kysely's PostgreSQL dialect whose catalog reading covers the store's own schema only. Kysely's
 * migrator reads the catalog to find its bookkeeping tables, and Kysely's own reader lists every
 * column of every table in the database: slow in a shared warehouse, and failing ("relation ... does
 * not exist") whenever another client drops a table or schema while it runs.
 */
export class SchemaScopedPostgresDialect extends PostgresDialect {
  readonly #schema: string

  /** `schema`: the schema the store lives in (its `current_schema()`). */
  constructor(config: PostgresDialectConfig, schema: string) {
    super(config)
    this.#schema = schema
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SchemaScopedIntrospector(db, this.#schema)
  }
}

/**
 * The schema `schema` and its tables and views, read from `pg_class` by the schema's name, with
 * no function of other schemas' objects evaluated. Columns are not listed (`columns` is empty):
 * the migrator needs only the names.
 */
class SchemaScopedIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly schema: string,
  ) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const found = await sql<{ name: string }>`SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname = ${this.schema}`.execute(
      this.db,
    )
    return found.rows.map((r) => ({ name: r.name }))
  }

  async getTables(): Promise<TableMetadata[]> {
    const found = await sql<{ name: string; kind: string }>`SELECT c.relname AS name, c.relkind AS kind
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${this.schema} AND c.relkind IN ('r', 'v', 'p')
      ORDER BY c.relname`.execute(this.db)
    return found.rows.map((r) => ({ name: r.name, schema: this.schema, isView: r.kind === 'v', columns: [] }))
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() }
  }
}
