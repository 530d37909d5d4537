/**
 * Serves the built SPA (apps/web/dist). Static files are served as they are; any
 * other GET outside the API gets index.html, never cached, so client-side routes
 * survive a reload (except a missing asset or icon, which is a 404). For a request that carries a valid ticket cookie the index page
 * gets a `<meta name="gatehouse-session">` with the username and a CSRF token: the
 * page learns it is logged in without any script being able to read the ticket.
 */
import { stat, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import express, { type RequestHandler, type Router } from "express";
import type { AccessControl } from "@gatehouse/auth-core";
import { selectHostCookieTicket } from "./cookies.js";

export interface SpaOptions {
  /** The Vite build output; its absence yields a page that says how to build. */
  distDir: string;
  accessControl: AccessControl;
}

/** apps/web/dist, seen from apps/bff/src or apps/bff/dist alike. */
export const DEFAULT_WEB_DIST_DIR = fileURLToPath(new URL("../../web/dist/", import.meta.url));

export const SESSION_META_NAME = "gatehouse-session";

// Vite puts content-hashed files under assets/: safe to cache for a year.
const HASHED_ASSET_PREFIX = "/assets/";
const ONE_YEAR_S = 31_536_000;

const NOT_BUILT_PAGE =
  "Gatehouse: the web console is not built yet.\n\nRun `pnpm build` in the repository, then reload this page.\n" +
  "The API under /api2/json works without it.\n";

export function createSpaHandler(options: SpaOptions): Router {
  const { distDir, accessControl } = options;
  if (typeof distDir !== "string" || distDir === "") throw new TypeError("createSpaHandler: distDir must be a directory path");
  if (typeof accessControl?.authenticateTicket !== "function") {
    throw new TypeError("createSpaHandler: pass { accessControl }, an AccessControl from AccessControl.open()");
  }
  const indexPath = join(distDir, "index.html");
  const readIndex = createIndexReader(indexPath);
  const router = express.Router();

  router.use(
    express.static(distDir, {
      index: false,
      redirect: false,
      dotfiles: "ignore",
      setHeaders(res, _path, _stat) {
        const url = res.req.originalUrl;
        if (url.startsWith(HASHED_ASSET_PREFIX)) res.setHeader("Cache-Control", `public, max-age=${ONE_YEAR_S}, immutable`);
      },
    }),
  );

  const serveIndex: RequestHandler = async function serveIndexMiddleware(req, res, next) {
    if ((req.method !== "GET" && req.method !== "HEAD") || isMissingStaticFile(req.path)) {
      next();
      return;
    }
    res.setHeader("Cache-Control", "no-store");
    const html = await readIndex();
    if (html === null) {
      res.status(200).type("text/plain").send(NOT_BUILT_PAGE);
      return;
    }
    const session = await readSessionHint(accessControl, req.headers.cookie);
    res
      .status(200)
      .type("html")
      .send(session === null ? html : injectSessionMeta(html, session));
  };
  router.use(serveIndex);
  return router;
}

/**
 * A path that can only name a file, and express.static did not find it: it gets
 * a 404, not the index page. HTML answered with 200 for a stale hashed script
 * after a rebuild fails in the browser with a misleading MIME-type error, and
 * the icon browsers fetch on their own should not cost an index render.
 */
function isMissingStaticFile(path: string): boolean {
  return path.startsWith(HASHED_ASSET_PREFIX) || path === "/favicon.ico";
}

/** The meta tag the SPA reads: base64url of `{"username", "CSRFPreventionToken"}`. */
export function injectSessionMeta(html: string, session: { username: string; CSRFPreventionToken: string }): string {
  const content = Buffer.from(JSON.stringify(session), "utf8").toString("base64url");
  const meta = `<meta name="${SESSION_META_NAME}" content="${content}">`;
  const headEnd = html.search(/<\/head>/i);
  return headEnd < 0 ? `${meta}${html}` : `${html.slice(0, headEnd)}${meta}${html.slice(headEnd)}`;
}

async function readSessionHint(
  accessControl: AccessControl,
  cookieHeader: string | undefined,
): Promise<{ username: string; CSRFPreventionToken: string } | null> {
  // Only the __Host- cookie: a legacy PBSAuthCookie planted by a sibling subdomain
  // must not log the console in as someone else (issue 15, finding 9).
  const ticket = selectHostCookieTicket(cookieHeader);
  if (ticket === null) return null;
  const auth = await accessControl.authenticateTicket(ticket);
  if (auth === null || auth.via !== "ticket") return null;
  return { username: auth.userid, CSRFPreventionToken: accessControl.createCsrfToken(auth.userid) };
}

/** Reads index.html, re-reading only when a rebuild changed it. */
function createIndexReader(indexPath: string): () => Promise<string | null> {
  let cached: { stamp: string; html: string } | null = null;
  return async function readIndex() {
    let stamp: string;
    try {
      const info = await stat(indexPath);
      stamp = `${info.mtimeMs}:${info.size}`;
    } catch {
      return null;
    }
    if (cached?.stamp !== stamp) {
      try {
        cached = { stamp, html: await readFile(indexPath, "utf8") };
      } catch {
        return null;
      }
    }
    return cached.html;
  };
}
