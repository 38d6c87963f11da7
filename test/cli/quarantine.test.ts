import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {parseJson} from '../helpers/cli.js'
import {DAY_MS, deliveredMessages, expectedConversationIds, expectedMessages, fakesForEachTest} from '../helpers/e2e.js'

interface ShownState {
  state: {
    quarantine?: Array<{conversationId: string; reason: string; source: string; attempts: number}>
    watermark: unknown
  }
}

describe('real Gladly data never stops an import, end to end', function () {
  this.timeout(180_000)
  const context = fakesForEachTest({
    now: new Date(Date.now() - 2 * DAY_MS),
    dataset: {seed: 7, conversations: 40, days: 5},
  })

  const importJson = async (extra: Record<string, string> = {}) => {
    const result = await context.sandbox.run(['import', '--json'], {env: context.fakes.env(extra)})
    return {result, summary: parseJson<RunSummary>(result)}
  }
  const stateShown = async () => {
    const text = await context.sandbox.run(['state', 'show'], {env: context.fakes.env()})
    return {
      text: text.stdout,
      json: parseJson<ShownState>(await context.sandbox.run(['state', 'show', '--json'], {env: context.fakes.env()})),
    }
  }
  const delivered = () => [...context.fakes.enterpret.records.keys()].sort()
  const recordsOf = (ids: readonly string[]) => ids.map((id) => `gladly_${id}`).sort()

  it('quarantines the conversations it cannot read or transform, delivers the rest, exits 3, and delivers them once Gladly is healed', async () => {
    const closed = expectedConversationIds(context.fakes.gladly).filter(
      (id) => id !== context.fakes.gladly.dataset.edgeCases.bigConversationId,
    )
    const [undecodableItems, failingTransform, otherConversation] = closed as [string, string, string]
    context.fakes.gladly.configure({
      damaged: {
        [undecodableItems]: 'items-not-a-list',
        [failingTransform]: 'created-in-future',
        [otherConversation]: 'lookup-other-id',
      },
    })
    const damaged = [undecodableItems, failingTransform, otherConversation]
    // Transcripts from GET /items, so that every closed conversation's items are read from the API.
    const settings = {TRANSCRIPT_SOURCE: 'api'}

    const first = await importJson(settings)
    expect(first.result.code, first.result.stderr).to.equal(3)
    expect(delivered()).to.deep.equal(
      recordsOf(expectedConversationIds(context.fakes.gladly).filter((id) => !damaged.includes(id))),
    )
    expect(first.summary.conversations.quarantined).to.equal(3)
    expect(first.summary.quarantine.remaining).to.equal(3)
    expect(first.summary.stopped).to.equal(undefined)
    for (const id of damaged) expect(first.result.stderr).to.include(`Conversation ${id} (export job `)
    expect(first.result.stderr).to.include('3 conversation(s) are quarantined')

    const afterFirst = await stateShown()
    expect(afterFirst.json.state.watermark, 'the quarantine does not hold the watermark back').not.to.equal(null)
    const entries = afterFirst.json.state.quarantine ?? []
    expect(entries.map((entry) => entry.conversationId).sort()).to.deep.equal([...damaged].sort())
    const reasonOf = (id: string) => entries.find((entry) => entry.conversationId === id)?.reason
    expect(reasonOf(undecodableItems)).to.match(/items.*is not a list of items/)
    expect(reasonOf(failingTransform)).to.match(/2999-01-01T00:00:00Z is in the future/)
    expect(reasonOf(otherConversation)).to.match(/not the one asked for/)
    expect(afterFirst.text).to.match(/Quarantine\s+3 conversation\(s\) will be fetched again from Gladly/)
    for (const id of damaged) expect(afterFirst.text).to.include(id)

    const second = await importJson(settings)
    expect(second.result.code, second.result.stderr).to.equal(3)
    expect(second.summary.quarantine).to.deep.equal({retried: 3, recovered: 0, remaining: 3})
    expect((await stateShown()).json.state.quarantine?.map((entry) => entry.attempts)).to.deep.equal([2, 2, 2])

    context.fakes.gladly.configure({damaged: {}})
    const healed = await importJson(settings)
    expect(healed.result.code, healed.result.stderr).to.equal(0)
    expect(healed.summary.quarantine).to.deep.equal({retried: 3, recovered: 3, remaining: 0})
    expect(delivered()).to.deep.equal(recordsOf(expectedConversationIds(context.fakes.gladly)))
    for (const id of damaged)
      expect(deliveredMessages(context.fakes.enterpret, id), `transcript of ${id}`).to.deep.equal(
        expectedMessages(context.fakes.gladly, id),
      )
    expect((await stateShown()).json.state.quarantine).to.deep.equal([])
    for (const stored of context.fakes.enterpret.records.values()) expect(stored.duplicates).to.equal(0)
  })

  it('reports a conversation Enterpret can never accept once, skips it for good, and exits 0', async () => {
    const [, tooOld] = expectedConversationIds(context.fakes.gladly).filter(
      (id) => id !== context.fakes.gladly.dataset.edgeCases.bigConversationId,
    ) as [string, string]
    context.fakes.gladly.configure({damaged: {[tooOld]: 'created-before-2000'}})
    const first = await importJson()
    expect(first.result.code, first.result.stderr).to.equal(0)
    expect(delivered()).to.deep.equal(
      recordsOf(expectedConversationIds(context.fakes.gladly).filter((id) => id !== tooOld)),
    )
    expect(first.summary.conversations.unsendable).to.equal(1)
    expect(first.summary.conversations.quarantined).to.equal(0)
    expect(first.result.stderr).to.match(
      new RegExp(
        `Conversation ${tooOld} \\(export job [^)]+\\) can never be sent to Enterpret: createdAt .* before 2000-01-01`,
      ),
    )
    expect(first.result.stderr).to.include('1 conversation(s) can never be sent to Enterpret and were skipped for good')
    const shown = await stateShown()
    expect(shown.text).to.match(/Skipped for good\s+1 conversation\(s\) Enterpret can never accept/)
    expect(shown.text).to.include(tooOld)

    // Reported once, not owed: the next run does not say it again, and still exits 0.
    const again = await importJson()
    expect(again.result.code, again.result.stderr).to.equal(0)
    expect(again.result.stderr).not.to.include(tooOld)
    expect(again.summary.conversations.unsendable).to.equal(0)
    expect(delivered()).not.to.include(`gladly_${tooOld}`)
  })

  it('quarantines a conversation whose lookup does not decode on the export path, and goes on', async () => {
    const [undecodable] = expectedConversationIds(context.fakes.gladly) as [string]
    context.fakes.gladly.configure({damaged: {[undecodable]: 'lookup-undecodable'}})
    const first = await importJson()
    expect(first.result.code, first.result.stderr).to.equal(3)
    expect(delivered()).to.deep.equal(
      recordsOf(expectedConversationIds(context.fakes.gladly).filter((id) => id !== undecodable)),
    )
    expect(first.result.stderr).to.match(
      new RegExp(`Conversation ${undecodable} \\(export job [^)]+\\) is quarantined: .*status`),
    )

    context.fakes.gladly.configure({damaged: {}})
    const healed = await importJson()
    expect(healed.result.code, healed.result.stderr).to.equal(0)
    expect(delivered()).to.deep.equal(recordsOf(expectedConversationIds(context.fakes.gladly)))
  })

  it('reports an item of GET /items that is not an item, and sends its conversation without it', async () => {
    const [withBrokenItem] = expectedConversationIds(context.fakes.gladly).filter(
      (id) => id !== context.fakes.gladly.dataset.edgeCases.bigConversationId,
    ) as [string]
    context.fakes.gladly.configure({damaged: {[withBrokenItem]: 'item-undecodable'}})
    const {result, summary} = await importJson({TRANSCRIPT_SOURCE: 'api'})
    expect(result.code, result.stderr).to.equal(0)
    expect(summary.unreadableItems).to.equal(1)
    expect(result.stderr).to.include(
      `Conversation ${withBrokenItem}, item broken-item of GET /conversations/${withBrokenItem}/items: item [0]: `,
    )
    expect(deliveredMessages(context.fakes.enterpret, withBrokenItem)).to.deep.equal(
      expectedMessages(context.fakes.gladly, withBrokenItem),
    )
    const report = readFileSync(summary.malformedReport as string, 'utf8')
    expect(report).to.include(`"conversationId":"${withBrokenItem}"`).and.include('"itemId":"broken-item"')
  })

  it('keeps the messages real exports carry: no initiator, no subject, a negative call duration, custom channels', async () => {
    const showcase = context.fakes.gladly.dataset.edgeCases.showcaseConversationId as string
    const {result, summary} = await importJson()
    expect(result.code, result.stderr).to.equal(0)
    expect(summary.malformedLines).to.equal(0)
    const texts = (deliveredMessages(context.fakes.enterpret, showcase) ?? []).map(
      (message) => `${message.actor}: ${message.text}`,
    )
    expect(texts).to.include('user: One more question, typed before the agent answered.')
    expect(texts).to.include('user: Forwarding the receipt, no subject line this time.')
    expect(texts).to.include('user: Sent from the in-app messenger: thanks for the help!')
    expect(texts).to.include('user: The label, as a photo.')
    expect(texts.filter((text) => text.includes('Call summary'))).to.have.length(2)
    expect(summary.channels).to.have.property('custom_channel')
  })
})
