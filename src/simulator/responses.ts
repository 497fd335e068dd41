import { STATUS_CODES } from 'node:http';

/** A complete response, built before anything is written so faults can reshape it. */
export interface Reply {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

/** The vendor's JSON error document. */
export interface VendorError {
  detail: string;
  error: number;
  errorCode: string;
  parameters: unknown[];
  reason: string;
}

const JSON_TYPE = 'application/json';

/** A 200 (or `status`) JSON reply; `pretty` follows the API's `pretty=true` query parameter. */
export function jsonReply(value: unknown, options: { status?: number; pretty?: boolean } = {}): Reply {
  return {
    status: options.status ?? 200,
    body: options.pretty === true ? JSON.stringify(value, null, 2) : JSON.stringify(value),
    contentType: JSON_TYPE,
  };
}

/** An error in the vendor shape `{detail, error, errorCode, parameters, reason}`. */
export function errorReply(status: number, errorCode: string, detail: string, parameters: unknown[] = []): Reply {
  const error: VendorError = { detail, error: status, errorCode, parameters, reason: STATUS_CODES[status] ?? 'Error' };
  return { status, body: JSON.stringify(error), contentType: JSON_TYPE };
}

/** The error code and wording the vendor uses for a bare status (fault injection, challenges). */
export function statusReply(status: number): Reply {
  switch (status) {
    case 401:
      return errorReply(401, 'UNAUTHORIZED', 'You are not authorized for this resource.');
    case 403:
      return errorReply(403, 'ORG_REQUIRES_ACCESS_LIST', 'This organization requires access through an access list of ip ranges.');
    case 404:
      return errorReply(404, 'RESOURCE_NOT_FOUND', 'Cannot find resource.');
    case 405:
      return errorReply(405, 'METHOD_NOT_ALLOWED', 'Method not allowed.');
    case 429:
      return errorReply(429, 'RATE_LIMITED', 'Resource rate limit exceeded. Please try again later.');
    case 500:
      return errorReply(500, 'UNEXPECTED_ERROR', 'Unexpected error.');
    default:
      return errorReply(status, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable. Please try again later.');
  }
}

/** The vendor's answer (403, or 401 for another user's profile) to a caller without the role a resource needs. */
export function notAuthorized(status: 401 | 403 = 403): Reply {
  return errorReply(status, 'USER_UNAUTHORIZED', 'Current user is not authorized to perform this action.');
}

/** The vendor's answers for a project id that is malformed (404 INVALID_GROUP_ID) or unknown (404 GROUP_NOT_FOUND), and for a caller outside it (403 NOT_IN_GROUP). */
export const groupErrors = {
  invalid: (id: string): Reply => errorReply(404, 'INVALID_GROUP_ID', `An invalid group ID ${id} was specified.`, [id]),
  notFound: (id: string): Reply => errorReply(404, 'GROUP_NOT_FOUND', `No group with ID ${id} exists.`, [id]),
  notInGroup: (id: string): Reply => errorReply(403, 'NOT_IN_GROUP', 'The current user is not in the group, or the group does not exist.', [id]),
} as const;
