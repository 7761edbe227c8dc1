// Sends COUNT mixed events (track, identify, page, screen, group, alias) through the real
// @segment/analytics-node client to HOST with WRITE_KEY, then flushes and prints what it sent
// (one JSON line: {"sent": N, "errors": [...]}). Driven by tests/serve/test_clients.py.
import { Analytics } from '@segment/analytics-node'

const [host, writeKey, countText, prefix] = process.argv.slice(2)
const count = Number(countText)
const analytics = new Analytics({ writeKey, host, flushAt: 100, flushInterval: 200, maxRetries: 10 })
const errors = []
analytics.on('error', (err) => errors.push(String(err && (err.reason || err.message || err.code))))

for (let i = 0; i < count; i++) {
  const userId = `${prefix}-user-${i % 97}`
  const messageId = `${prefix}-${String(i).padStart(6, '0')}`
  const common = { userId, messageId, timestamp: new Date() }
  switch (i % 6) {
    case 0: analytics.track({ ...common, event: 'Song Played', properties: { n: i } }); break
    case 1: analytics.identify({ ...common, traits: { plan: 'pro', n: i } }); break
    case 2: analytics.page({ ...common, name: 'Home', properties: { n: i } }); break
    case 3: analytics.screen({ ...common, name: 'Player', properties: { n: i } }); break
    case 4: analytics.group({ ...common, groupId: `g-${i % 7}`, traits: { n: i } }); break
    case 5: analytics.alias({ ...common, previousId: `${prefix}-anon-${i}` }); break
  }
}
await analytics.closeAndFlush({ timeout: 120000 })
console.log(JSON.stringify({ sent: count, errors }))
