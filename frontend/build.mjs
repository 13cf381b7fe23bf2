// Builds GOV.UK Frontend into the static files the Django app serves (no CDN).
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(root, "src", "civitas", "platform", "static", "govuk");

mkdirSync(out, { recursive: true });
const result = sass.compile(join(root, "frontend", "civitas.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "civitas.css"), result.css);
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
// Fonts are left out: GDS Transport is only for service.gov.uk.
cpSync(join(govuk, "assets"), join(out, "assets"), {
  recursive: true,
  filter: (source) => !source.includes(`${join("assets", "fonts")}`),
});
console.log(`built ${out}`);
