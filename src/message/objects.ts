/**
 * MSG0's plain-text views of structured parts: vCard values, calendar summaries, HTML as
 * text. Inputs and outputs are binary strings.
 *
 * @module
 */

/** Unfolds RFC 2425 lines (vCard, iCalendar): a line starting with space or tab continues. */
function unfold(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if ((line.startsWith(" ") || line.startsWith("\t")) && out.length > 0) {
      out[out.length - 1] += line.slice(1);
    } else {
      out.push(line);
    }
  }
  return out;
}

/** MSG0's view of a vCard (Citadel's vcard_fixed_output): each property's value on a line. */
export function vcardValueLines(vcard: string): string[] {
  const out: string[] = [];
  for (const line of unfold(vcard)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).toLowerCase();
    if (key === "begin" || key === "end") continue;
    out.push(line.slice(colon + 1));
  }
  return out;
}

function unescapeIcal(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c));
}

/**
 * MSG0's view of an iCalendar object (Citadel's ical_fixed_output): SUMMARY, LOCATION and
 * DESCRIPTION of each component, outer components first.
 */
export function icalSummaryLines(ical: string): string[] {
  interface Component {
    props: Map<string, string>;
    children: Component[];
  }
  const root: Component = { props: new Map(), children: [] };
  const stack: Component[] = [root];
  for (const line of unfold(ical)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).split(";")[0].toUpperCase();
    const value = line.slice(colon + 1);
    const top = stack[stack.length - 1];
    if (name === "BEGIN") {
      const child: Component = { props: new Map(), children: [] };
      top.children.push(child);
      stack.push(child);
    } else if (name === "END") {
      if (stack.length > 1) stack.pop();
    } else if (!top.props.has(name)) {
      top.props.set(name, value);
    }
  }
  const out: string[] = [];
  const visit = (c: Component) => {
    for (const name of ["SUMMARY", "LOCATION", "DESCRIPTION"]) {
      const v = c.props.get(name);
      if (v !== undefined) out.push(...unescapeIcal(v).split("\n"));
    }
    c.children.forEach(visit);
  };
  root.children.forEach(visit);
  return out;
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
};

/**
 * A plain-text view of an HTML part, standing in for libcitadel's html_to_ascii: block
 * tags become line breaks, other tags go, common entities are decoded, runs of white space
 * collapse and blank lines do not repeat.
 */
export function htmlToText(html: string): string[] {
  const text = html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/<\s*(br|\/p|p|\/div|div|\/tr|li|\/h\d|h\d|\/pre|pre|\/table)\b[^>]*>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
      if (e[0] === "#") {
        const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : Number(e.slice(1));
        return code < 256 ? String.fromCharCode(code) : all;
      }
      return ENTITIES[e.toLowerCase()] ?? all;
    });
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[ \t\r\f\v]+/g, " ").trim();
    if (line === "" && (out.length === 0 || out[out.length - 1] === "")) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}
