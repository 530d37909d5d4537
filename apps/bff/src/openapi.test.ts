import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { listApiRoutes } from "./app.js";
import { buildOpenApiDocument, OPENAPI_PATH, toOpenApiPath } from "./openapi.js";
import { API_ROUTES } from "./routes/api-routes.js";
import { defineRoute } from "./routes/route.js";

const document = buildOpenApiDocument(API_ROUTES, { version: "1.2.3" });

describe("the OpenAPI document", () => {
  test("is valid OpenAPI 3.1 by an independent validator", async () => {
    const asData = () => JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
    const result = await new Validator().validate(asData());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // The validator is not vacuous: the same document with one parameter broken fails.
    const broken = asData();
    (
      (broken.paths as Record<string, { get: { parameters: { in: string }[] } }>)["/api2/json/access/users/{userid}"]?.get
        .parameters[0] ?? { in: "" }
    ).in = "nowhere";
    expect((await new Validator().validate(broken)).valid).toBe(false);
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.version).toBe("1.2.3");
  });

  test("has every route of the live route table, with its method, security and every parameter its schema takes", () => {
    const routes = listApiRoutes();
    expect(routes.length).toBeGreaterThan(10);
    for (const [i, route] of routes.entries()) {
      const operation = document.paths[toOpenApiPath(route.path)]?.[route.method.toLowerCase() as "get"];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      if (operation === undefined) continue;
      expect(operation.security.length === 0, `${route.method} ${route.path} security`).toBe(route.auth === "none");
      expect(
        operation.security.some((scheme) => "csrfToken" in scheme),
        `${route.method} ${route.path} CSRF`,
      ).toBe(route.csrf);
      const documented = [
        ...operation.parameters.map((parameter) => parameter.name),
        ...Object.keys(operation.requestBody?.content["application/json"]?.schema.properties ?? {}),
      ].sort();
      const schemaKeys = Object.keys(API_ROUTES[i]?.params.shape ?? {}).sort();
      expect(documented, `${route.method} ${route.path} parameters`).toEqual(schemaKeys);
    }
    const operationCount = Object.values(document.paths).reduce((sum, item) => sum + Object.keys(item).length, 0);
    expect(operationCount).toBe(routes.length + 1);
    expect(document.paths[OPENAPI_PATH]?.get).toBeDefined();
  });

  test("describes a parameter by the JSON schema its zod helper declares, and marks required ones", () => {
    const create = document.paths["/api2/json/access/users"]?.post;
    const body = create?.requestBody?.content["application/x-www-form-urlencoded"]?.schema;
    expect(body?.required).toEqual(["userid"]);
    expect((body?.properties as Record<string, unknown>).enable).toMatchObject({
      anyOf: [{ type: "boolean" }, { type: "integer" }, { type: "string" }],
    });
    expect((body?.properties as Record<string, unknown>).comment).toEqual({ type: "string", minLength: 0, maxLength: 256 });
    const read = document.paths["/api2/json/access/users/{userid}"]?.get;
    expect(read?.parameters).toEqual([
      { name: "userid", in: "path", required: true, schema: { type: "string", maxLength: 64, description: "a user id, `name@realm`" } },
    ]);
  });

  test("refuses a route whose path parameter its schema does not declare, instead of publishing a wrong document", () => {
    const broken = defineRoute({
      method: "GET",
      path: "/things/:thing",
      summary: "broken",
      auth: "none",
      params: z.strictObject({}),
      handle: () => ({ data: null }),
    });
    expect(() => buildOpenApiDocument([broken], { version: "0" })).toThrow(/:thing is missing/);
  });

  test("refuses a schema zod cannot express as JSON schema, instead of documenting it as 'anything'", () => {
    const opaque = defineRoute({
      method: "GET",
      path: "/things",
      summary: "opaque",
      auth: "none",
      params: z.strictObject({ when: z.date() }),
      handle: () => ({ data: null }),
    });
    expect(() => buildOpenApiDocument([opaque], { version: "0" })).toThrow();
  });
});
