import { describe, expect, it } from 'vitest'
import { printable } from '../../../shared/format.js'

describe('printable', () => {
  it('never lets a peer\'s name send terminal escape sequences', () => {
    expect(printable('evil\u001b]0;pwned\u0007name\u009b2J')).toBe('evil?]0;pwned?name?2J')
    expect(printable('rtl\u202Etxt.exe')).toBe('rtl?txt.exe')
  })

  it('leaves ordinary names alone', () => {
    expect(printable('사진 2024 (final).jpg')).toBe('사진 2024 (final).jpg')
  })
})
