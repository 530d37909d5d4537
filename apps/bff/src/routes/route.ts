/**
 * The shape of one API route. Routes are data: the app mounts them, tests
 * enumerate them (for example to prove that every cookie-authenticated state change
 * demands a CSRF token), and the OpenAPI document is generated from them. Each
 * route declares the zod schema of its parameters; the app parses every request
 * with exactly that schema before the handler runs, so the published document and
 * the validation can never disagree.
 */
import type { Request, Response } from "express";
import type { z } from "zod";
import type { AccessControl, AuthContext } from "@gatehouse/auth-core";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** What a handler returns; PBS puts a config digest beside the data. */
export interface RouteReply {
  data: unknown;
  digest?: string;
  /** Paged listings (a `limit` was given): how many rows matched in all, beside `data` as PBS's formatter puts it. */
  total?: number;
  /** A notice for people reading a successful answer by hand, beside `data` (PBS puts `message` there on errors). */
  message?: string;
}

/**
 * The parameters of a route: query string, body and path parameters merged into
 * one strict object (unknown keys are refused), as PBS's API schema treats them.
 */
export type ParamsSchema = z.ZodObject;

/** Server options a route may need, fixed at boot. */
export interface RouteSettings {
  /**
   * Whether POST /access/ticket may return the ticket in the body when the client
   * does not ask for the HttpOnly flow (GATEHOUSE_LEGACY_TICKETS; decision 025).
   */
  legacyTickets: boolean;
}

export const DEFAULT_ROUTE_SETTINGS: RouteSettings = { legacyTickets: true };

interface RouteContextBase<Input> {
  /** The parameters, already parsed with the route's `params` schema. */
  input: Input;
  accessControl: AccessControl;
  settings: RouteSettings;
  req: Request;
  res: Response;
}

export type PublicRouteContext<Input = Record<string, unknown>> = RouteContextBase<Input>;

export interface AuthenticatedRouteContext<Input = Record<string, unknown>> extends RouteContextBase<Input> {
  auth: AuthContext;
}

interface RouteBase<S extends ParamsSchema> {
  method: HttpMethod;
  /** Express path under /api2/json, e.g. `/access/users/:userid`. */
  path: string;
  summary: string;
  /** Every parameter the route takes, path parameters included. */
  params: S;
}

export interface PublicRoute<S extends ParamsSchema = ParamsSchema> extends RouteBase<S> {
  auth: "none";
  handle(context: PublicRouteContext<z.output<S>>): Promise<RouteReply> | RouteReply;
}

export interface AuthenticatedRoute<S extends ParamsSchema = ParamsSchema> extends RouteBase<S> {
  auth: "required";
  handle(context: AuthenticatedRouteContext<z.output<S>>): Promise<RouteReply> | RouteReply;
}

export type ApiRoute = PublicRoute | AuthenticatedRoute;

/**
 * Declares a route with its handler typed by its own parameter schema. The route
 * table holds routes of many schemas, so the result is widened to ApiRoute; the
 * app hands each handler only what that route's schema produced.
 */
export function defineRoute<S extends ParamsSchema>(route: PublicRoute<S> | AuthenticatedRoute<S>): ApiRoute {
  return route;
}

/** `METHOD /path`, the form used in the CSRF exemption list and in messages. */
export function describeRoute(route: Pick<ApiRoute, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}
