import {expect} from 'chai'
import {readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {parseJson} from '../helpers/cli.js'
import {DAY_MS, deliveredMessages, expectedConversationIds, expectedMessages, fakesForEachTest} from '../helpers/e2e.js'

describe('import on damaged state, end to end', function () {
  this.timeout(180_000)
  const context = fakesForEachTest({
    now: new Date(Date.now() - 3 * DAY_MS),
    dataset: {seed: 11, conversations: 40, days: 6},
  })

  const importJson = async () => {
    const result = await context.sandbox.run(['import', '--json'], {env: context.fakes.env()})
    return {result, summary: parseJson<RunSummary>(result)}
  }
  const profileDir = () => join(context.sandbox.home, 'state', 'default')

  it('never sends a conversation short when a line of its spooled items is damaged: its items come from Gladly', async () => {
    const first = await importJson()
    expect(first.result.code, first.result.stderr).to.equal(0)
    const spool = join(profileDir(), 'spool')
    const damaged = readdirSync(spool).filter((name) => readFileSync(join(spool, name), 'utf8').split('\n').length > 3)
    expect(damaged.length).to.be.greaterThan(0)
    for (const name of damaged) {
      const lines = readFileSync(join(spool, name), 'utf8').split('\n')
      lines[1] = '{"id": this line was damaged'
      writeFileSync(join(spool, name), lines.join('\n'))
    }

    const before = new Set(context.fakes.enterpret.records.keys())
    context.fakes.gladly.clock.set(new Date(Date.now() - DAY_MS))
    const second = await importJson()
    expect(second.result.code, second.result.stderr).to.equal(0)
    const newlyClosed = expectedConversationIds(context.fakes.gladly).filter(
      (id) => !before.has(`gladly_${id}`) && id !== context.fakes.gladly.dataset.edgeCases.bigConversationId,
    )
    const wasDamaged = newlyClosed.filter((id) => damaged.includes(`${id}.jsonl`))
    expect(wasDamaged.length, 'a damaged conversation closed in the second run').to.be.greaterThan(0)
    for (const id of newlyClosed)
      expect(deliveredMessages(context.fakes.enterpret, id), `transcript of ${id}`).to.deep.equal(
        expectedMessages(context.fakes.gladly, id),
      )
    expect(second.summary.conversations.fetchedWhole).to.be.at.least(wasDamaged.length)
  })

  it('fetches again from Gladly a dead letter whose record file is gone, instead of keeping it for ever', async () => {
    const poison = expectedConversationIds(context.fakes.gladly).filter(
      (id) => id !== context.fakes.gladly.dataset.edgeCases.bigConversationId,
    )[2] as string
    context.fakes.enterpret.configure({poisonIds: [`gladly_${poison}`]})
    const first = await importJson()
    expect(first.result.code).to.equal(3)
    rmSync(join(profileDir(), 'dead-letters'), {recursive: true, force: true})

    context.fakes.enterpret.configure({poisonIds: []})
    const second = await importJson()
    expect(second.result.code, second.result.stderr).to.equal(0)
    expect(second.result.stderr).to.include(
      `Conversation ${poison} (the dead-letter store) is quarantined: its record gladly_${poison} could not be read back`,
    )
    expect(second.summary.deadLetters.remaining).to.equal(0)
    expect(second.summary.quarantine).to.deep.equal({retried: 1, recovered: 1, remaining: 0})
    expect(deliveredMessages(context.fakes.enterpret, poison)).to.deep.equal(
      expectedMessages(context.fakes.gladly, poison),
    )
  })
})
