import { readFileSync } from 'node:fs'
import type { webApi } from '@slack/bolt'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { BOT_SCOPES } from '../../src/slack/app/slack-scopes.js'

type Manifest = webApi.AppsManifestCreateArguments['manifest']

describe('manifest.yml', () => {
  const manifest = parse(readFileSync('manifest.yml', 'utf8')) as Manifest

  it('requests exactly the bot scopes the app uses', () => {
    expect([...(manifest.oauth_config?.scopes?.bot ?? [])].sort()).toEqual(Object.keys(BOT_SCOPES).sort())
  })

  it('declares the bot user, /pulse with a usage hint, the Home tab, interactivity and app_home_opened', () => {
    expect(manifest.features?.bot_user?.display_name).toBe('sales-pulse')
    const pulse = manifest.features?.slash_commands?.find((c) => c.command === '/pulse')
    expect(pulse?.usage_hint).toContain('winrate')
    expect(manifest.features?.app_home?.home_tab_enabled).toBe(true)
    expect(manifest.settings?.interactivity?.is_enabled).toBe(true)
    expect(manifest.settings?.event_subscriptions?.bot_events).toEqual(['app_home_opened', 'app_uninstalled', 'tokens_revoked'])
    expect(manifest.settings?.event_subscriptions?.request_url).toMatch(/\/slack\/events$/)
  })
})
