//! Plain words for what a backup, a restore or a contact import did, from the backend's counts.
//! The counts are the backend's; only the sentences are made here.

import type { ContactsImported, RestoreDone } from './bindings';
import { calls } from './review';

/** "1 contact", "3 contacts". */
export function contacts(n: number): string {
  return n === 1 ? '1 contact' : `${n.toLocaleString()} contacts`;
}

/** "A and B", "A, B and C". */
function joined(parts: string[]): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** True when the restore changed nothing at all. */
export function restoredNothing(r: RestoreDone): boolean {
  return !r.added && !r.updated && !r.contactsAdded && !r.contactsUpdated;
}

/** "Added 12 calls and 3 contacts; 2 calls updated; nothing else changed." */
export function restoreSummary(r: RestoreDone): string {
  if (restoredNothing(r)) {
    const seen = r.unchanged ? ` All ${calls(r.unchanged)} in it ${r.unchanged === 1 ? 'was' : 'were'} already here.` : '';
    return `Nothing new: your history already had everything in this backup.${seen} Nothing was changed.`;
  }
  const added = joined([r.added ? calls(r.added) : '', r.contactsAdded ? contacts(r.contactsAdded) : ''].filter(Boolean));
  const updated = joined(
    [r.updated ? calls(r.updated) : '', r.contactsUpdated ? contacts(r.contactsUpdated) : ''].filter(Boolean),
  );
  const sentences: string[] = [];
  if (added) sentences.push(`Added ${added}`);
  if (updated) sentences.push(`${updated} updated`);
  sentences.push('nothing else changed.');
  const text = sentences.join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "Added 3 contacts and renamed 1; 2 already had that name; 2 entries skipped." */
export function importSummary(r: ContactsImported): string {
  const parts: string[] = [];
  if (r.added || r.renamed) {
    const did = [r.added ? `added ${contacts(r.added)}` : '', r.renamed ? `renamed ${r.renamed.toLocaleString()}` : ''];
    parts.push(joined(did.filter(Boolean)));
  }
  if (r.unchanged) parts.push(`${r.unchanged.toLocaleString()} already had that name`);
  if (r.skipped) parts.push(`${r.skipped.toLocaleString()} ${r.skipped === 1 ? 'entry' : 'entries'} skipped`);
  if (!parts.length) return 'The file had no contacts to import; nothing changed.';
  const text = parts.join('; ') + '.';
  return text.charAt(0).toUpperCase() + text.slice(1);
}
