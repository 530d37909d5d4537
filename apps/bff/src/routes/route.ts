/**
 * The shape of one API route. Routes are data: the app mounts them, and tests can
 * enumerate them (for example to prove that every cookie-authenticated state change
 * demands a CSRF token).
 */
import type { Request, Response } from "express";
import type { AccessControl, AuthContext } from "@gatehouse/auth-core";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** What a handler returns; PBS puts a config digest beside the data. */
export interface RouteReply {
  data: unknown;
  digest?: string;
  /** Paged listings (a `limit` was given): how many rows matched in all, beside `data` as PBS's formatter puts it. */
  total?: number;
}

interface RouteContextBase {
  /** Query string, body and path parameters merged; not yet validated. */
  params: Record<string, unknown>;
  accessControl: AccessControl;
  req: Request;
  res: Response;
}

export type PublicRouteContext = RouteContextBase;

export interface AuthenticatedRouteContext extends RouteContextBase {
  auth: AuthContext;
}

interface RouteBase {
  method: HttpMethod;
  /** Express path under /api2/json, e.g. `/access/users/:userid`. */
  path: string;
  summary: string;
}

export interface PublicRoute extends RouteBase {
  auth: "none";
  handle(context: PublicRouteContext): Promise<RouteReply> | RouteReply;
}

export interface AuthenticatedRoute extends RouteBase {
  auth: "required";
  handle(context: AuthenticatedRouteContext): Promise<RouteReply> | RouteReply;
}

export type ApiRoute = PublicRoute | AuthenticatedRoute;

/** `METHOD /path`, the form used in the CSRF exemption list and in messages. */
export function describeRoute(route: Pick<ApiRoute, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}
