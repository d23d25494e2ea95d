import type { DroppedFile } from '../../shared/api.js'

/** Entries read from one dropped folder at most; a drop of a whole disk is a mistake, not a share. */
const MAX_ENTRIES = 100_000

/**
 * Turns a drop into files with their paths inside the dropped folders.
 * Electron shares dropped paths in place, so only the top level matters
 * there; a browser must walk each folder and upload every file.
 */
export async function collectDrop (dt: DataTransfer, walkFolders: boolean): Promise<DroppedFile[]> {
  if (!walkFolders) return Array.from(dt.files, file => ({ file, relativePath: file.name }))
  const entries = Array.from(dt.items ?? [])
    .map(item => item.kind === 'file' ? item.webkitGetAsEntry?.() ?? null : null)
  if (entries.length === 0 || entries.some(e => e == null)) return Array.from(dt.files, file => ({ file, relativePath: file.name }))
  const out: DroppedFile[] = []
  for (const e of entries) await walk(e!, '', out)
  return out
}

async function walk (entry: FileSystemEntry, prefix: string, out: DroppedFile[]): Promise<void> {
  if (out.length >= MAX_ENTRIES) return
  const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => { (entry as FileSystemFileEntry).file(resolve, reject) })
    out.push({ file, relativePath: path })
    return
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader()
  // readEntries returns a batch at a time; an empty batch means the end.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => { reader.readEntries(resolve, reject) })
    if (batch.length === 0) break
    for (const child of batch) await walk(child, path, out)
  }
}

/** Files picked with <input type=file webkitdirectory> carry their folder path already. */
export function fromInput (list: FileList): DroppedFile[] {
  return Array.from(list, file => ({ file, relativePath: file.webkitRelativePath || file.name }))
}
