/**
 * Calendar quarters ("2027-Q1"), as actions are due and rounds are named. Pure: the caller passes
 * today's date.
 */

export interface Quarter {
  year: number;
  quarter: 1 | 2 | 3 | 4;
}

const shape = /^(\d{4})-Q([1-4])$/;

export function parseQuarter(text: string): Quarter | undefined {
  const match = shape.exec(text.trim());
  if (!match) return undefined;
  return { year: Number(match[1]), quarter: Number(match[2]) as Quarter['quarter'] };
}

export function formatQuarter(q: Quarter): string {
  return `${q.year}-Q${q.quarter}`;
}

export function quarterOf(date: Date): Quarter {
  return { year: date.getUTCFullYear(), quarter: (Math.floor(date.getUTCMonth() / 3) + 1) as Quarter['quarter'] };
}

export function addQuarters(q: Quarter, n: number): Quarter {
  const index = q.year * 4 + (q.quarter - 1) + n;
  return { year: Math.floor(index / 4), quarter: ((index % 4) + 1) as Quarter['quarter'] };
}

/** This quarter and the `count − 1` after it: what a due-quarter picker offers. */
export function upcomingQuarters(today: Date, count: number): string[] {
  const start = quarterOf(today);
  return Array.from({ length: count }, (_, i) => formatQuarter(addQuarters(start, i)));
}

/** A due quarter makes sense from last quarter to five years ahead: "9999-Q4" or "0000-Q1" do not. */
export const dueQuarterWindow = { quartersBack: 1, yearsAhead: 5 } as const;

export function checkDueQuarter(text: string, today: Date): { ok: true; value: string } | { ok: false; message: string } {
  const q = parseQuarter(text);
  if (!q) return { ok: false, message: 'Give the due quarter as year and quarter, for example 2027-Q1.' };
  const earliest = addQuarters(quarterOf(today), -dueQuarterWindow.quartersBack);
  const latest = addQuarters(quarterOf(today), dueQuarterWindow.yearsAhead * 4);
  const index = (x: Quarter) => x.year * 4 + x.quarter;
  if (index(q) < index(earliest) || index(q) > index(latest)) {
    return {
      ok: false,
      message: `Choose a quarter between ${formatQuarter(earliest)} and ${formatQuarter(latest)}.`,
    };
  }
  return { ok: true, value: formatQuarter(q) };
}
