// A connector's icon (its manifest icon as an image) or, without one, its initial on its accent colour.
import { initialOf } from './branding';

export function BrandIcon({ iconUrl, color, name, size = 18 }: { iconUrl?: string | null; color?: string | null; name?: string; size?: number }) {
  const style = { width: size, height: size, borderRadius: Math.round(size / 4.5), flex: 'none' as const };
  if (iconUrl) return <img className="brand-icon" src={iconUrl} alt="" aria-hidden style={style} data-testid="brand-icon" />;
  return (
    <span className="brand-icon brand-initial" aria-hidden data-testid="brand-initial"
      style={{ ...style, background: color || '#56607a', fontSize: Math.round(size * 0.6), lineHeight: `${size}px` }}>{initialOf(name)}</span>
  );
}
