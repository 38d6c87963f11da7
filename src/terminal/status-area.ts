import {createLogUpdate} from 'log-update'

/**
 * The bottom of the terminal while a command runs: a few status lines redrawn in place, with everything else
 * printed above them and kept in the scrollback. It owns the terminal: whatever else writes there (the logger, a
 * dry run's preview) goes through `print`, so that no line is ever glued to the status.
 */
export interface StatusArea {
  /** Lines for stderr, above the status. */
  print(text: string): void
  /** Lines for stdout (the same terminal), above the status. */
  printOut(text: string): void
  /** Replaces the status lines. */
  show(status: string): void
  /** Removes the status; what was printed stays. */
  close(): void
}

export function createStatusArea(stream: NodeJS.WriteStream = process.stderr): StatusArea {
  const render = createLogUpdate(stream)
  let status = ''
  let open = true
  const withoutNewline = (text: string) => text.replace(/\n$/, '')
  return {
    print(text) {
      if (!open) return void stream.write(text)
      render.persist(withoutNewline(text))
      render(status)
    },
    printOut(text) {
      if (open) render.clear()
      process.stdout.write(text)
      if (open) render(status)
    },
    show(next) {
      status = next
      if (open) render(status)
    },
    close() {
      if (!open) return
      open = false
      render.clear()
      render.done()
    },
  }
}
