/**
 * How every Lambda handler is bundled, as plain data: RungFunction hands it to NodejsFunction and
 * `npm run bench:bundles` hands the same values to esbuild, so the sizes the README reports are
 * the sizes that deploy.
 */
export const LAMBDA_BUNDLING = {
  format: 'esm',
  target: 'node24',
  minify: true,
  // Errors take their name from their class (`new.target.name`), and a thrown error's name is what
  // Step Functions Retry/Catch match: minification must keep class names.
  keepNames: true,
  sourceMap: true,
  // The Lambda Node.js runtime ships AWS SDK v3 (NodejsFunction's default for NODEJS_18_X and later).
  externalModules: ['@aws-sdk/*'],
  // CommonJS dependencies inside an ESM bundle still call require(): give them one.
  banner: "import { createRequire as __rungCreateRequire } from 'node:module'; const require = __rungCreateRequire(import.meta.url);",
} as const;

/** The most a handler bundle may weigh (issue 11): what the bundle bench checks. */
export const MAX_BUNDLE_BYTES = 250 * 1024;
