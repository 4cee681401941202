/** A question section (name, type, class IN) for a query this server makes itself. */
export function encodeQuestion(name: string, qtype: number): Buffer {
  const labels = name.split('.').filter(Boolean);
  const question = Buffer.alloc(labels.reduce((n, l) => n + l.length + 1, 1) + 4);
  let off = 0;
  for (const l of labels) {
    question[off++] = l.length;
    off += question.write(l, off, 'latin1');
  }
  question[off++] = 0;
  question.writeUInt16BE(qtype, off);
  question.writeUInt16BE(1, off + 2);
  return question;
}
