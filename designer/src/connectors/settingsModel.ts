// The connector settings form <-> connector.json, and the connection form generated from the
// connection parameters. Pure (no React).
import type { Json } from '../types';
import type { AuthKind, ConnectionParameter, Manifest, ParameterType } from './types';

export const AUTH_KINDS: { kind: AuthKind; label: string }[] = [
  { kind: 'none', label: 'None' },
  { kind: 'basic', label: 'Basic (user name and password)' },
  { kind: 'apiKey', label: 'API key / token' },
  { kind: 'oauth2ClientCredentials', label: 'OAuth 2.0 client credentials' },
  { kind: 'oauth2AuthorizationCode', label: 'OAuth 2.0 authorization code' },
  { kind: 'custom', label: 'Custom (an auth flow)' },
];

export interface AuthField { name: string; label: string; control: 'text' | 'select' | 'checkbox'; choices?: string[]; placeholder?: string }

const clientFields: AuthField[] = [
  { name: 'tokenUrl', label: 'Token URL', control: 'text', placeholder: 'https://…/oauth/token' },
  { name: 'clientIdParameter', label: 'Client ID parameter', control: 'text', placeholder: 'clientId' },
  { name: 'clientSecretParameter', label: 'Client secret parameter', control: 'text', placeholder: 'clientSecret' },
  { name: 'scope', label: 'Scope', control: 'text' },
  { name: 'clientAuthentication', label: 'Client authentication', control: 'select', choices: ['client_secret_basic', 'client_secret_post'] },
];

/** The fields each auth kind has (docs/connectors.md, "Authentication kinds"). */
export const AUTH_FIELDS: Record<AuthKind, AuthField[]> = {
  none: [],
  basic: [
    { name: 'usernameParameter', label: 'User name parameter', control: 'text', placeholder: 'username' },
    { name: 'passwordParameter', label: 'Password parameter', control: 'text', placeholder: 'password' },
  ],
  apiKey: [
    { name: 'parameter', label: 'Token parameter', control: 'text', placeholder: 'token' },
    { name: 'in', label: 'Sent in', control: 'select', choices: ['header', 'query'] },
    { name: 'name', label: 'Header or query name', control: 'text', placeholder: 'Authorization' },
    { name: 'tokenType', label: 'Token type', control: 'text', placeholder: 'Bearer' },
  ],
  oauth2ClientCredentials: clientFields,
  oauth2AuthorizationCode: [{ name: 'authorizeUrl', label: 'Authorize URL', control: 'text', placeholder: 'https://…/authorize' }, ...clientFields,
    { name: 'refreshUrl', label: 'Refresh URL (if not the token URL)', control: 'text', placeholder: 'https://…/token' }],
  custom: [
    { name: 'flow', label: 'Auth flow', control: 'text', placeholder: '_auth' },
    { name: 'refreshable', label: 'Re-run on a 401 (session tokens)', control: 'checkbox' },
  ],
};

export interface ParameterForm {
  name: string;
  label: string;
  type: ParameterType;
  required: boolean;
  description: string;
  default: string;
  /** Dropdown options as "Label=value" lines. */
  optionsText: string;
}

export interface SettingsForm {
  key: string;
  name: string;
  /** Semantic version (1.2.3, 1.2.3-beta.1): a changed connector needs a new one before the catalog accepts it. */
  version: string;
  description: string;
  icon: string;
  accentColor: string;
  documentationUrl: string;
  supportEmail: string;
  baseUrl: string;
  authKind: AuthKind;
  /** Values of the auth kind's fields; checkboxes as 'true' / ''. */
  auth: Record<string, string>;
  parameters: ParameterForm[];
}

const s = (v: unknown) => (typeof v === 'string' ? v : '');

export function settingsFromManifest(m: Manifest): SettingsForm {
  const auth: Record<string, string> = {};
  for (const [field, value] of Object.entries(m.auth ?? {}))
    if (field !== 'kind' && value !== undefined && value !== null) auth[field] = typeof value === 'string' ? value : value === true ? 'true' : value === false ? '' : JSON.stringify(value);
  return {
    key: m.key, name: s(m.name), version: s(m.version), description: s(m.description), icon: s(m.icon), accentColor: s(m.accentColor),
    documentationUrl: s(m.documentationUrl), supportEmail: s(m.supportEmail), baseUrl: s(m.baseUrl),
    authKind: m.auth?.kind ?? 'none', auth,
    parameters: (m.connectionParameters ?? []).map(p => ({
      name: p.name, label: s(p.label), type: p.type ?? 'text', required: p.required === true, description: s(p.description), default: s(p.default),
      optionsText: (p.options ?? []).map(o => (o.label && o.label !== o.value ? `${o.label}=${o.value}` : o.value)).join('\n'),
    })),
  };
}

/** "EU=eu" lines → options; a line without '=' is both label and value. */
export function parseOptions(textValue: string): { label: string; value: string }[] {
  return textValue.split('\n').map(l => l.trim()).filter(Boolean).map(line => {
    const at = line.indexOf('=');
    return at < 0 ? { label: line, value: line } : { label: line.slice(0, at).trim(), value: line.slice(at + 1).trim() };
  });
}

/**
 * The PUT /settings body: every settings field, with empty optional fields sent as null (removed), the
 * auth block with only the chosen kind's fields.
 */
export function settingsBody(form: SettingsForm): Record<string, Json> {
  const optional = (v: string): Json => (v.trim() === '' ? null : v.trim());
  const auth: Record<string, Json> = { kind: form.authKind };
  for (const field of AUTH_FIELDS[form.authKind]) {
    const value = form.auth[field.name] ?? '';
    if (field.control === 'checkbox') { if (value === 'true') auth[field.name] = true; }
    else if (value.trim() !== '') auth[field.name] = value.trim();
  }
  return {
    key: form.key.trim(),
    name: form.name.trim(),
    version: form.version.trim(),
    description: optional(form.description),
    icon: optional(form.icon),
    accentColor: optional(form.accentColor),
    documentationUrl: optional(form.documentationUrl),
    supportEmail: optional(form.supportEmail),
    baseUrl: form.baseUrl.trim(),
    auth,
    connectionParameters: form.parameters.map(p => {
      const out: Record<string, Json> = { name: p.name.trim(), label: p.label.trim() || p.name.trim(), type: p.type, required: p.required };
      if (p.description.trim()) out.description = p.description.trim();
      if (p.default.trim()) out.default = p.default.trim();
      if (p.type === 'dropdown') out.options = parseOptions(p.optionsText);
      return out;
    }),
  };
}

export function emptyParameter(): ParameterForm {
  return { name: '', label: '', type: 'text', required: true, description: '', default: '', optionsText: '' };
}

// --- connections ----------------------------------------------------------------------------------

export interface ConnectionField {
  name: string;
  label: string;
  control: 'text' | 'password' | 'select';
  required: boolean;
  description: string;
  choices: { label: string; value: string }[];
  initial: string;
}

/** The connection form of a connector: one field per parameter; passwords masked and never pre-filled. */
export function connectionFields(parameters: ConnectionParameter[]): ConnectionField[] {
  return parameters.map(p => ({
    name: p.name,
    label: p.label || p.name,
    control: p.type === 'password' ? 'password' : p.type === 'dropdown' ? 'select' : 'text',
    required: p.required === true,
    description: p.description ?? '',
    choices: (p.options ?? []).map(o => ({ label: o.label || o.value, value: o.value })),
    initial: p.type === 'password' ? '' : p.default ?? (p.type === 'dropdown' ? p.options?.[0]?.value ?? '' : ''),
  }));
}

/** The values to send (empty optional fields left out) and what is missing. */
export function connectionValues(fields: ConnectionField[], form: Record<string, string>): { values: Record<string, string>; missing: string[] } {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const f of fields) {
    const v = form[f.name] ?? '';
    if (v === '') { if (f.required) missing.push(f.label); continue; }
    values[f.name] = v;
  }
  return { values, missing };
}

// --- version ----------------------------------------------------------------------------------------

export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** The next version: patch (1.2.4), minor (1.3.0) or major (2.0.0); a pre-release (1.3.0-beta.1) bumps to its release. */
export function bumpVersion(version: string, part: 'patch' | 'minor' | 'major'): string {
  const m = SEMVER.exec(version.trim());
  if (!m) return '1.0.0';
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const pre = m[4] !== undefined;
  if (part === 'major') return pre && minor === 0 && patch === 0 ? `${major}.0.0` : `${major + 1}.0.0`;
  if (part === 'minor') return pre && patch === 0 ? `${major}.${minor}.0` : `${major}.${minor + 1}.0`;
  return pre ? `${major}.${minor}.${patch}` : `${major}.${minor}.${patch + 1}`;
}

/** What is wrong with a version as typed ('' when it is a semantic version). */
export function versionProblem(version: string): string {
  return SEMVER.test(version.trim()) ? '' : `'${version}' is not a semantic version (e.g. 1.2.3 or 1.2.3-beta.1)`;
}
