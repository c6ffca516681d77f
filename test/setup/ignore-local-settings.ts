import { CONFIG_VARIABLES } from '../../src/config.js'

// The suite runs on the settings each test gives, never on the checkout's own `.env` or the
// shell's (a real SLACK_BOT_TOKEN or HUBSPOT_TOKEN, a PULSE_ROSTER file): every setting is set
// empty, which the app reads as unset and which wins over `.env`, here and in child processes.
for (const name of [...CONFIG_VARIABLES, 'PULSE_DEBUG']) process.env[name] = ''
