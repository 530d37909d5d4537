/**
 * The OpenAPI 3.1 document of /api2/json, generated from the route table: each
 * route's zod parameter schema (the one the app validates requests with) becomes
 * its parameters or request body through zod's JSON-schema output, whose
 * 2020-12 dialect is OpenAPI 3.1's. Nothing here is written per route, so a new
 * route appears in the document the moment it is in API_ROUTES.
 *
 * Served at GET /api2/json/openapi.json without authentication: a Gatehouse
 * extension (PBS has no OpenAPI document), describing only what any client of the
 * PBS API may know.
 */
import type { RequestHandler } from "express";
import { z } from "zod";
import { CSRF_EXEMPT_ROUTES } from "./middleware/require-csrf.js";
import { API_PREFIX } from "./routes/api-routes.js";
import { describeRoute, type ApiRoute, type HttpMethod } from "./routes/route.js";

export const OPENAPI_PATH = `${API_PREFIX}/openapi.json`;

type JsonSchema = Record<string, unknown>;

interface ParameterObject {
  name: string;
  in: "path" | "query";
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

interface OperationObject {
  operationId: string;
  summary: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: ParameterObject[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content: Record<string, { schema: JsonSchema }> } | { $ref: string }>;
}

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  jsonSchemaDialect: string;
  servers: { url: string }[];
  paths: Record<string, Partial<Record<Lowercase<HttpMethod>, OperationObject>>>;
  components: { schemas: Record<string, JsonSchema>; responses: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
}

export interface OpenApiOptions {
  version: string;
}

const EXPRESS_PARAM = /:([A-Za-z0-9_]+)/g;
const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

const ERROR_RESPONSES: Record<string, string> = {
  "400": "a parameter is missing, unknown or invalid; `errors` names each one",
  "401": "no valid credential, or a cookie-authenticated change without a valid CSRFPreventionToken",
  "403": "the caller lacks the privilege",
  "404": "no such user, token or route",
  "409": "the digest sent does not match the stored config",
  "413": "request body too large",
  "429": "too many failed attempts or the password-hash queue is full; see Retry-After",
  "503": "the store is busy; see Retry-After",
};

/** `/access/users/:userid` becomes `/access/users/{userid}`. */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(EXPRESS_PARAM, "{$1}");
}

function listPathParameters(expressPath: string): string[] {
  return [...expressPath.matchAll(EXPRESS_PARAM)].map((match) => match[1] ?? "");
}

function operationIdOf(route: ApiRoute): string {
  const words = route.path
    .split("/")
    .filter((part) => part !== "")
    .map((part) => part.replace(/^:/, "by-").replace(/[^A-Za-z0-9]+/g, "-"));
  return [route.method.toLowerCase(), ...words].join("-");
}

/** The input JSON schema of a route's parameters: what a client may send. */
function describeParams(route: ApiRoute): { properties: Record<string, JsonSchema>; required: Set<string> } {
  const schema = z.toJSONSchema(route.params, { io: "input", unrepresentable: "throw", target: "draft-2020-12" }) as JsonSchema;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return { properties, required: new Set((schema.required ?? []) as string[]) };
}

function securityOf(route: ApiRoute, exempt: ReadonlySet<string>): Record<string, string[]>[] {
  if (route.auth === "none") return [];
  const needsCsrf = route.method !== "GET" && !exempt.has(describeRoute(route));
  return [needsCsrf ? { ticketCookie: [], csrfToken: [] } : { ticketCookie: [] }, { apiToken: [] }];
}

function buildOperation(route: ApiRoute, exempt: ReadonlySet<string>): OperationObject {
  const { properties, required } = describeParams(route);
  const inPath = new Set(listPathParameters(route.path));
  const parameters: ParameterObject[] = [];
  const bodyProperties: Record<string, JsonSchema> = {};
  const bodyRequired: string[] = [];
  // PBS reads parameters from the query string of a GET or DELETE and from the body otherwise.
  const usesBody = route.method === "POST" || route.method === "PUT";
  for (const [name, schema] of Object.entries(properties)) {
    if (inPath.has(name)) {
      parameters.push({ name, in: "path", required: true, schema });
    } else if (usesBody) {
      bodyProperties[name] = schema;
      if (required.has(name)) bodyRequired.push(name);
    } else {
      parameters.push({ name, in: "query", required: required.has(name), schema });
    }
  }
  for (const name of inPath) {
    if (!(name in properties)) throw new Error(`${describeRoute(route)}: path parameter :${name} is missing from its params schema`);
  }
  const operation: OperationObject = {
    operationId: operationIdOf(route),
    summary: route.summary,
    tags: [route.path.split("/")[1] ?? "api"],
    security: securityOf(route, exempt),
    parameters,
    responses: {
      "200": {
        description: "success",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Success" } } },
      },
    },
  };
  if (usesBody) {
    const body: JsonSchema = { type: "object", properties: bodyProperties, additionalProperties: false };
    if (bodyRequired.length > 0) body.required = bodyRequired;
    operation.requestBody = {
      required: bodyRequired.length > 0,
      // proxmoxer and other PBS clients send forms; the console sends JSON.
      content: { "application/json": { schema: body }, "application/x-www-form-urlencoded": { schema: body } },
    };
  }
  for (const status of Object.keys(ERROR_RESPONSES)) operation.responses[status] = { $ref: `#/components/responses/Error${status}` };
  return operation;
}

export function buildOpenApiDocument(routes: readonly ApiRoute[], options: OpenApiOptions): OpenApiDocument {
  const exempt = new Set(CSRF_EXEMPT_ROUTES);
  const paths: OpenApiDocument["paths"] = {};
  for (const route of routes) {
    const path = `${API_PREFIX}${toOpenApiPath(route.path)}`;
    const item = (paths[path] ??= {});
    const method = route.method.toLowerCase() as Lowercase<HttpMethod>;
    if (item[method] !== undefined) throw new Error(`${describeRoute(route)} is in the route table twice`);
    item[method] = buildOperation(route, exempt);
  }
  paths[OPENAPI_PATH] = {
    get: {
      operationId: "get-openapi-json",
      summary: "this document",
      tags: ["meta"],
      security: [],
      parameters: [],
      responses: { "200": { description: "the OpenAPI document", content: { "application/json": { schema: { type: "object" } } } } },
    },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Gatehouse access API",
      version: options.version,
      description:
        "The Proxmox Backup Server compatible access API. Every route is also served under /api2/extjs " +
        "with the ExtJS formatter. Generated from the zod schemas the server validates requests with.",
    },
    jsonSchemaDialect: JSON_SCHEMA_DIALECT,
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: {
        Success: {
          type: "object",
          properties: { data: { description: "the route's result; null for a change without one" }, digest: { type: "string" } },
          required: ["data"],
        },
        Error: {
          type: "object",
          properties: {
            data: { type: "null" },
            message: { type: "string" },
            errors: { type: "object", additionalProperties: { type: "string" }, description: "per parameter, why it was refused" },
          },
          required: ["data", "message"],
        },
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([status, description]) => [
          `Error${status}`,
          { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        ]),
      ),
      securitySchemes: {
        ticketCookie: {
          type: "apiKey",
          in: "cookie",
          name: "__Host-PBSAuthCookie",
          description: "the ticket from POST /access/ticket with http-only=true",
        },
        csrfToken: {
          type: "apiKey",
          in: "header",
          name: "CSRFPreventionToken",
          description: "required beside the ticket cookie on every change",
        },
        apiToken: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description: "`PBSAPIToken=<user@realm!token>:<secret>`",
        },
      },
    },
  };
}

/** Serves the document, built once on the first request (it depends only on the code). */
export function createOpenApiHandler(routes: readonly ApiRoute[], options: OpenApiOptions): RequestHandler {
  let body: string | undefined;
  return function openApiHandler(_req, res) {
    body ??= JSON.stringify(buildOpenApiDocument(routes, options));
    res.status(200).type("application/json").send(body);
  };
}
