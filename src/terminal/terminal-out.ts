/**
 * stderr as the logger sees it: straight through, or, while a status area owns the terminal, handed to it so that
 * log lines print above the status instead of into it.
 */
export interface TerminalOut {
  readonly stream: NodeJS.WriteStream
  /** Sends what is written to `print` until the returned function is called. */
  routeTo(print: (text: string) => void): () => void
}

export function terminalOut(target: NodeJS.WriteStream = process.stderr): TerminalOut {
  let route: ((text: string) => void) | undefined
  // consola writes with stream.write and reads columns; nothing else of a stream is used.
  const stream = {
    write(chunk: string | Uint8Array) {
      if (route === undefined) return target.write(chunk)
      route(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
      return true
    },
    get columns() {
      return target.columns
    },
    get isTTY() {
      return target.isTTY
    },
  } as unknown as NodeJS.WriteStream
  return {
    stream,
    routeTo(print) {
      route = print
      return () => {
        route = undefined
      }
    },
  }
}
