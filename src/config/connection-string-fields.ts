/**
 * The `Name=value;Name=value` fields of an Azure connection string (Storage, Application
 * Insights), names lower-cased; undefined when a segment is not `Name=value`.
 */
export function connectionStringFields(text: string): Map<string, string> | undefined {
  const fields = new Map<string, string>();
  for (const segment of text.split(';')) {
    if (segment.trim() === '') continue;
    const eq = segment.indexOf('=');
    if (eq <= 0) return undefined;
    fields.set(segment.slice(0, eq).trim().toLowerCase(), segment.slice(eq + 1).trim());
  }
  return fields;
}
