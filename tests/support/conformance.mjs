// Every exchange a worker suite makes is checked against the served OpenAPI document: its
// operation is documented, its status is documented for that operation, and its body matches
// the schema. Unknown paths must answer the error shape with 404 or 405.
import Ajv2020 from "ajv/dist/2020.js";

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
  for (const { method, path, status, body } of log) {
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
    if (!response.content) {
      if (body !== "") problems.push(`${method} ${path} ${status}: documented without a body, answered ${JSON.stringify(body)}`);
      continue;
    }
    const validate = validator(response.content["application/json"].schema);
    if (!validate(body)) problems.push(`${method} ${path} ${status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body)}`);
  }
  return problems;
}
