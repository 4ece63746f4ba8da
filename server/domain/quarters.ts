/**
 * Quarters as "2026-Q4". An action is due in a sensible window: from last
 * year to five years ahead, judged against the `now` the caller passes.
 */

export const quarterPattern = /^(\d{4})-Q([1-4])$/;

export function quarterOf(now: Date): string {
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

export function dueWindow(now: Date): { fromYear: number; toYear: number } {
  const year = now.getUTCFullYear();
  return { fromYear: year - 1, toYear: year + 5 };
}

/** A message when `quarter` is not a due quarter the form accepts, or undefined when it is. */
export function dueQuarterProblem(quarter: string, now: Date): string | undefined {
  const { fromYear, toYear } = dueWindow(now);
  const match = quarterPattern.exec(quarter);
  const message = `Choose a quarter from ${fromYear} to ${toYear}, such as ${quarterOf(now)}.`;
  if (!match) return message;
  const year = Number(match[1]);
  return year < fromYear || year > toYear ? message : undefined;
}

/** This quarter and the next four, as offered in the form. */
export function upcomingQuarters(now: Date, count = 5): string[] {
  const quarters: string[] = [];
  let year = now.getUTCFullYear();
  let quarter = Math.floor(now.getUTCMonth() / 3) + 1;
  for (let i = 0; i < count; i++) {
    quarters.push(`${year}-Q${quarter}`);
    quarter += 1;
    if (quarter > 4) {
      quarter = 1;
      year += 1;
    }
  }
  return quarters;
}
