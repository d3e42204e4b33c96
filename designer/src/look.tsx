// How an activity looks on the canvas and in the palette: an icon and an accent colour derived from its descriptor's
// category (never a hand-made list of activities), and a hook through which connector cards carry their connector's
// own icon and colour (filled from the manifest's branding by designer/src/connectors).
import {
  Binary, Blocks, Box, Braces, CalendarClock, Code, Database, Globe, List, Plug, Sigma, Timer, Type, Workflow, Zap,
  type LucideIcon,
} from 'lucide-react';
import { useSyncExternalStore } from 'react';
import type { NodeData } from './flows/flowJson';
import type { ActivityDescriptor } from './types';

export interface Look {
  icon: LucideIcon;
  /** The accent colour (CSS), readable on light and dark backgrounds. */
  color: string;
}

/** A connector's branding: its icon (an image URL, e.g. a data: URL from the manifest) and accent colour. */
export interface Branding {
  iconUrl?: string;
  color?: string;
  /** Shown instead of the activity's display name (the card's own name). */
  label?: string;
}

const CATEGORY_LOOKS: Record<string, Look> = {
  control: { icon: Workflow, color: '#5b6b8c' },
  http: { icon: Globe, color: '#1f7ae0' },
  script: { icon: Code, color: '#d97706' },
  list: { icon: List, color: '#0e9f8e' },
  object: { icon: Box, color: '#0891b2' },
  json: { icon: Braces, color: '#7c3aed' },
  text: { icon: Type, color: '#c2410c' },
  number: { icon: Sigma, color: '#4f46e5' },
  'date & time': { icon: CalendarClock, color: '#db2777' },
  encoding: { icon: Binary, color: '#65a30d' },
  events: { icon: Zap, color: '#9333ea' },
  schedule: { icon: Timer, color: '#a21caf' },
  connectors: { icon: Plug, color: '#0d9488' },
  'data collection': { icon: Database, color: '#b45309' },
};

/** Colours for categories the designer does not know (a plugin's): stable per name. */
const SPARE_COLORS = ['#2563eb', '#059669', '#dc2626', '#7c3aed', '#ca8a04', '#0891b2', '#be185d', '#4d7c0f'];

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return Math.abs(h);
}

/** The icon and colour of a category; an unknown category gets a generic icon and a colour stable for its name. */
export function categoryLook(category: string | undefined): Look {
  const key = (category ?? '').trim().toLowerCase();
  return CATEGORY_LOOKS[key] ?? { icon: Blocks, color: SPARE_COLORS[hash(key) % SPARE_COLORS.length] };
}

export function lookOf(descriptor: ActivityDescriptor | undefined): Look {
  return categoryLook(descriptor?.category);
}

// The branding hook: designer/src/connectors registers a resolver (node data -> branding) once its manifests load,
// and calls it again when they change; nodes and palette entries re-render then.
type BrandingResolver = (data: Pick<NodeData, 'type' | 'inputs'>) => Branding | undefined;
let resolver: BrandingResolver = () => undefined;
let brandingVersion = 0;
const listeners = new Set<() => void>();

export function setBrandingResolver(next: BrandingResolver): void {
  resolver = next;
  brandingVersion++;
  for (const l of listeners) l();
}

const subscribe = (l: () => void) => { listeners.add(l); return () => listeners.delete(l); };

/** The branding of a node (a connector card's connector), re-rendering when the resolver changes. */
export function useBranding(data: Pick<NodeData, 'type' | 'inputs'>): Branding | undefined {
  useSyncExternalStore(subscribe, () => brandingVersion);
  return resolver(data);
}

/** The activity's icon in a tile of its accent colour, or the connector's own icon when branded. */
export function ActivityIcon({ look, branding, size = 16 }: { look: Look; branding?: Branding; size?: number }) {
  const color = branding?.color ?? look.color;
  const Icon = look.icon;
  return (
    <span className="activity-icon" style={{ background: color, width: size + 10, height: size + 10 }} aria-hidden data-color={color}>
      {branding?.iconUrl ? <img src={branding.iconUrl} alt="" width={size} height={size} /> : <Icon size={size} strokeWidth={2} color="#fff" />}
    </span>
  );
}
