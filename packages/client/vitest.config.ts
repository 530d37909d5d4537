import { defineNodeProject } from "../../vitest.node-project.js";

export default defineNodeProject();
