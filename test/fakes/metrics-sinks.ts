import {createSocket} from 'node:dgram'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

interface Push {
  readonly method: string
  readonly path: string
  readonly body: string
}

/** A Pushgateway as far as a client sees one: PUT/POST /metrics/job/<job>/<label>/<value>…, answered 200 (or `status`). */
export async function startFakePushgateway(status = 200) {
  const pushes: Push[] = []
  const server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (body += chunk))
    request.on('end', () => {
      pushes.push({method: request.method ?? '', path: request.url ?? '', body})
      response.writeHead(status).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pushes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A StatsD agent: every datagram received on a loopback UDP port, split into its lines. */
export async function startStatsdReceiver() {
  const lines: string[] = []
  const socket = createSocket('udp4')
  socket.on('message', (message) => lines.push(...message.toString('utf8').split('\n').filter(Boolean)))
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return {
    address: `127.0.0.1:${socket.address().port}`,
    lines,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}
