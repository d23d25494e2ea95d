import { useRef, type RefObject } from 'react'

/**
 * Where the focus goes when a card removes itself from a list (Cancel,
 * Remove, Stop sharing): the focus was on the card's button, so it moves to
 * the next card's first button, else to the previous one's, else to the
 * list's heading — never to <body>. Cards carry `data-key` with their key.
 */
export function useFocusAfterRemoval (keys: readonly string[]): {
  list: RefObject<HTMLUListElement | null>
  heading: RefObject<HTMLHeadingElement | null>
  onRemoved: (key: string) => void
} {
  const list = useRef<HTMLUListElement>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  const onRemoved = (key: string): void => {
    const at = keys.indexOf(key)
    const next = keys[at + 1] ?? keys[at - 1]
    requestAnimationFrame(() => {
      const card = next == null ? null : [...list.current?.querySelectorAll<HTMLElement>('[data-key]') ?? []].find(el => el.dataset.key === next)?.querySelector('button')
      if (card != null) card.focus()
      else heading.current?.focus()
    })
  }
  return { list, heading, onRemoved }
}
