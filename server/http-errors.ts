/**
 * Errors a route throws on purpose. The error plugin turns each into a page
 * (HTML) or a structured JSON 4xx; nothing else reaches the user as text.
 */
export interface FieldIssue {
  /** Where the problem is, e.g. "answer" or "body.assessmentId". */
  field: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what = 'This page'): HttpError =>
  new HttpError(404, 'not_found', `${what} does not exist, or the link is not valid.`);
