import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.js";
import { createQueryClient } from "./app/query-client.js";
import { api } from "./lib/api-client.js";
import { sessionStore, takeBootstrapSession } from "./lib/session.js";
import "./styles.css";

// A reload keeps the session: the server embeds the username and CSRF token for a
// valid HttpOnly cookie; the ticket itself stays out of reach of this script.
// The client renews such a session before its first call: its age is unknown here.
const restored = takeBootstrapSession(document);
if (restored !== null) {
  api.resume(restored);
  sessionStore.start({ username: restored.username });
}

const container = document.getElementById("root");
if (container === null) throw new Error("index.html has no #root element");

createRoot(container).render(
  <StrictMode>
    <QueryClientProvider client={createQueryClient()}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
