/**
 * Every bot scope the app uses, and what for; `manifest.yml` requests exactly these (a test
 * checks it). `views.publish` and `auth.test` need none.
 */
export const BOT_SCOPES: Readonly<Record<string, string>> = {
  commands: '/pulse',
  'chat:write': 'answers, owner DMs, digests, anomaly alerts (chat.postMessage)',
  'files:write': 'chart PNGs (files.getUploadURLExternal, files.completeUploadExternal)',
  'im:write': 'opening DMs with owners, managers and askers (conversations.open)',
  'im:history': 'after a restart, checking whether a DM was already delivered (conversations.history)',
  'channels:history': 'after a restart, checking whether an anomaly alert was already posted to a public channel',
  'groups:history': 'the same for a private alert channel',
  'users:read': 'who is asking (users.info)',
  'users:read.email': 'their email, and owners found by email (users.info, users.lookupByEmail)',
}
