// Parses CSV text into rows of objects keyed by the header, with quoted fields and escaped quotes.

function parseLine(line, separator = ',') {
  const fields = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        current += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === separator) {
      fields.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  fields.push(current);
  return fields;
}

function parseCsv(text, { separator = ',', trim = true } = {}) {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) return [];
  const header = parseLine(lines[0], separator).map((h) => h.trim());
  return lines.slice(1).map((line) => {
    const values = parseLine(line, separator);
    const row = {};
    header.forEach((name, i) => {
      const value = values[i] ?? '';
      row[name] = trim ? value.trim() : value;
    });
    return row;
  });
}

function sumBy(rows, column) {
  return rows.reduce((total, row) => total + Number(row[column] || 0), 0);
}

module.exports = { parseCsv, parseLine, sumBy };
