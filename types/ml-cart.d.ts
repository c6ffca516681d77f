/**
 * Types for ml-cart 2.1.1 (the package ships none). Only what Sales Pulse uses is declared.
 * `splitSearch` comes from our patch (`patches/ml-cart+2.1.1.patch`): `'naive'` runs the original
 * candidate-by-candidate split search, anything else the equivalent grouped search.
 */
declare module 'ml-cart' {
  /** Options of a classification tree. `minNumSamples`: a node with <= N rows becomes a leaf. */
  export interface DecisionTreeOptions {
    gainFunction?: 'gini'
    splitFunction?: 'mean'
    minNumSamples?: number
    maxDepth?: number
    gainThreshold?: number
    splitSearch?: 'naive' | 'grouped'
  }

  /** A serialised tree node: a split (`splitColumn`, `splitValue`, children) or a leaf (`distribution`). */
  export interface TreeNodeJson {
    splitColumn?: number
    splitValue?: number
    gain?: number
    numberSamples?: number
    left?: TreeNodeJson
    right?: TreeNodeJson
    distribution?: number[][] | { to2DArray(): number[][] }
    [key: string]: unknown
  }

  /** What `toJSON()` returns and `load()` accepts. */
  export interface DecisionTreeJson {
    options: DecisionTreeOptions & { kind: 'classifier' }
    root: TreeNodeJson
    name: 'DTClassifier'
  }

  export class DecisionTreeClassifier {
    constructor(options?: DecisionTreeOptions)
    /** Rows of feature values; labels 0..k-1. Rows go left when `row[splitColumn] < splitValue`. */
    train(trainingSet: number[][], trainingLabels: number[]): void
    /** The most frequent class of each row's leaf. */
    predict(toPredict: number[][]): number[]
    toJSON(): DecisionTreeJson
    static load(model: DecisionTreeJson): DecisionTreeClassifier
    root: TreeNodeJson
  }
}
