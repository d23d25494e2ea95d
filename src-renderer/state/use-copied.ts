import { useEffect, useRef, useState } from 'react'

/** How long "Copied" shows after a copy. */
const COPIED_MS = 1_500

/** Copies text to the clipboard; `copied` is true for a moment after, for a "Copied" label. */
export function useCopied (): [boolean, (text: string) => Promise<void>] {
  const [copied, setCopied] = useState(false)
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined)
  useEffect(() => () => { clearTimeout(timer.current) }, [])
  const copy = async (text: string): Promise<void> => {
    await navigator.clipboard.writeText(text)
    setCopied(true)
    clearTimeout(timer.current)
    timer.current = setTimeout(() => { setCopied(false) }, COPIED_MS)
  }
  return [copied, copy]
}
