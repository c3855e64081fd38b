// Every exchange a worker suite makes (through startApi's client, the Worker's fetch, the
// global fetch on its address, or raw HTTP where a test reads the answer) is checked against
// the served OpenAPI document: its operation is documented, its status is documented for that
// operation, its body matches the schema, a body comes as JSON, and the headers the document
// requires are there with the values it allows. Unknown paths must answer the error shape with
// 404 or 405 (405 with Allow). The test build's own hooks, which the upload does not carry
// (tests/deploy), are not the API's and are skipped.
import Ajv2020 from "ajv/dist/2020.js";

/** The test build's hooks (worker/src/contract.rs, the alarm route): not the API's. */
const TEST_HOOKS = [/^\/test\/canary\//, /^\/storage-contract$/, /^\/admin\/organizations\/[^/]+\/alarm$/];

/** The served documents (the integrators' and the operator's) as one: every route the Worker serves. */
export async function servedDocument(fetch) {
  const [integrators, operators] = await Promise.all(
    ["/openapi.json", "/openapi-admin.json"].map(async (path) => JSON.parse(await (await fetch(path)).text())),
  );
  const merged = { ...integrators, paths: { ...integrators.paths, ...operators.paths }, components: {} };
  for (const doc of [integrators, operators]) {
    for (const [kind, entries] of Object.entries(doc.components)) merged.components[kind] = { ...merged.components[kind], ...entries };
  }
  return merged;
}

/** The documented operation of `method` and `path` (query string ignored), if any. */
export function operationFor(doc, method, path) {
  const bare = path.split("?")[0];
  for (const [template, operations] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (pattern.test(bare) && operations[method.toLowerCase()]) {
      return { template, operation: operations[method.toLowerCase()] };
    }
  }
  return null;
}

/** What in `log` (exchanges of startApi) disagrees with `doc`: one line per problem. */
export function conformanceProblems(doc, log) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: "openapi", components: doc.components });
  const validator = (schema) => ajv.compile(schema.$ref ? { $ref: `openapi${schema.$ref}` } : schema);
  const error = validator({ $ref: "#/components/schemas/Error" });
  const problems = [];
  for (const { method, path, status, headers, body } of log) {
    if (TEST_HOOKS.some((hook) => hook.test(path.split("?")[0]))) continue;
    const type = headers.get("content-type") ?? "";
    const ndjson = /^application\/x-ndjson\b/.test(type);
    if (status !== 204 && !ndjson && !/^application\/json\b/.test(type)) problems.push(`${method} ${path} ${status}: content-type ${JSON.stringify(type)}, not JSON`);
    if (status === 405 && !headers.get("allow")) problems.push(`${method} ${path} 405 without Allow`);
    const found = operationFor(doc, method, path);
    if (!found) {
      if (![404, 405].includes(status) || !error(body)) problems.push(`${method} ${path} is not in the document and answered ${status}`);
      continue;
    }
    let response = found.operation.responses[String(status)];
    if (!response) {
      problems.push(`${method} ${found.template} answered ${status}, which is not documented: ${JSON.stringify(body)}`);
      continue;
    }
    if (response.$ref) response = doc.components.responses[response.$ref.split("/").pop()];
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const value = headers.get(name);
      if (value === null) {
        if (header.required) problems.push(`${method} ${found.template} ${status} lacks the required header ${name}`);
        continue;
      }
      const schema = header.schema ?? {};
      const typed = schema.type === "integer" ? (/^\d+$/.test(value) ? Number(value) : value) : value;
      if (!validator(schema)(typed)) problems.push(`${method} ${found.template} ${status}: header ${name} ${JSON.stringify(value)} outside its schema`);
    }
    if (!response.content) {
      if (body !== "") problems.push(`${method} ${path} ${status}: documented without a body, answered ${JSON.stringify(body)}`);
      continue;
    }
    if (ndjson) {
      const media = response.content["application/x-ndjson"];
      if (!media) problems.push(`${method} ${found.template} ${status}: NDJSON, documented as ${Object.keys(response.content)}`);
      const line = media && validator(media.schema);
      for (const value of media ? body : []) if (!line(value)) problems.push(`${method} ${path} ${status}: a line ${ajv.errorsText(line.errors)} in ${JSON.stringify(value)}`);
      continue;
    }
    const validate = validator(response.content["application/json"].schema);
    if (!validate(body)) problems.push(`${method} ${path} ${status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body)}`);
  }
  return problems;
}
