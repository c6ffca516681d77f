import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PEOPLE, pulseAnswers, type SampleCompany, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// An upload URL that takes the bytes and answers 201 or 204 (no body), as a stand-in for Slack may:
// the upload succeeded, so the chart reaches the asker's DM.
describe('chart upload answered with another 2xx than 200', () => {
  let company: SampleCompany
  beforeAll(async () => {
    company = await sampleCompany(800)
  })
  afterAll(async () => {
    await company.store.close()
  })

  for (const status of [201, 204]) {
    it(`shares the chart when the upload URL answers HTTP ${status}`, async () => {
      const t = await startSlackTestApp({ company, fake: { uploadStatus: status } })
      try {
        const answers = await pulseAnswers(t, PEOPLE.cro, 'losses')
        const blocks = JSON.stringify(answers.at(-1)?.blocks)
        expect(blocks).toContain('The chart is in your DM with Sales Pulse.')
        expect(blocks).not.toContain('could not be sent')
        const shared = t.fake.callsOf('files.completeUploadExternal')
        expect(shared).toHaveLength(1)
        expect(t.fake.callsOf('files.getUploadURLExternal')).toHaveLength(1)
        expect(t.fake.pngUploads()).toHaveLength(1)
      } finally {
        await t.close()
      }
    }, 60_000)
  }
})
