// The flow designer's small component set: every control looks and behaves the same (focus ring, sizes, dark theme),
// instead of the browser's default buttons. Labels stay the accessible name even where a narrow screen hides them.
import type { LucideIcon } from 'lucide-react';
import { useEffect, useRef, type ButtonHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';

type Variant = 'default' | 'primary' | 'danger' | 'ghost';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  icon?: LucideIcon;
  /** The label hides on narrow screens (the icon and the accessible name stay). */
  collapsible?: boolean;
  small?: boolean;
}

export function Button({ variant = 'default', icon: Icon, collapsible, small, className, children, ...rest }: ButtonProps) {
  const label = typeof children === 'string' ? children : undefined;
  return (
    <button type="button" {...rest} aria-label={rest['aria-label'] ?? (collapsible ? label : undefined)}
      className={`ui-btn ui-btn-${variant}${small ? ' ui-btn-small' : ''}${collapsible ? ' ui-btn-collapsible' : ''}${className ? ` ${className}` : ''}`}>
      {Icon && <Icon size={small ? 13 : 15} strokeWidth={2} aria-hidden />}
      {children !== undefined && <span className="ui-btn-label">{children}</span>}
    </button>
  );
}

export interface IconButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  icon: LucideIcon;
  /** The accessible name and the tooltip. */
  label: string;
  active?: boolean;
}

export function IconButton({ icon: Icon, label, active, className, ...rest }: IconButtonProps) {
  return (
    <button type="button" aria-label={label} title={rest.title ?? label} aria-pressed={active} {...rest}
      className={`ui-icon-btn${active ? ' active' : ''}${className ? ` ${className}` : ''}`}>
      <Icon size={15} strokeWidth={2} aria-hidden />
    </button>
  );
}

export function Select({ className, children, ...rest }: SelectHTMLAttributes<HTMLSelectElement>) {
  return <select {...rest} className={`ui-select${className ? ` ${className}` : ''}`}>{children}</select>;
}

export interface ToggleProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
  label: string;
  /** Text beside the switch (defaults to the label). */
  text?: ReactNode;
  disabled?: boolean;
  title?: string;
  testId?: string;
}

/** A switch: a checkbox with role="switch", so it reads as on/off. */
export function Toggle({ checked, onChange, label, text, disabled, title, testId }: ToggleProps) {
  return (
    <label className={`ui-toggle${checked ? ' on' : ''}${disabled ? ' disabled' : ''}`} title={title} data-testid={testId}>
      <input type="checkbox" role="switch" aria-label={label} checked={checked} disabled={disabled} onChange={e => onChange(e.target.checked)} />
      <span className="ui-toggle-track" aria-hidden><span className="ui-toggle-thumb" /></span>
      <span className="ui-toggle-text">{text ?? label}</span>
    </label>
  );
}

export interface ModalProps {
  title: ReactNode;
  label: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  testId?: string;
  wide?: boolean;
  /** Resizable by its corner (the code editor). */
  resizable?: boolean;
}

/** A dialog over a dimmed page: Escape (with the focus in it) or a click outside closes it; focus moves into it. */
export function Modal({ title, label, onClose, children, footer, testId, wide, resizable }: ModalProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const first = box.current?.querySelector<HTMLElement>('[data-autofocus], input, textarea, [contenteditable=true], button');
    first?.focus();
  }, []);
  return (
    <div className="modal-backdrop" onMouseDown={e => { if (e.target === e.currentTarget) onClose(); }}>
      <div ref={box} className={`modal ui-modal${wide ? ' wide' : ''}${resizable ? ' resizable' : ''}`} role="dialog" aria-label={label} data-testid={testId}
        onKeyDown={e => {
          // Escape closes the dialog, unless something inside used it (an editor closing its completion list);
          // it goes no further, so what lies under the dialog stays open.
          if (e.key !== 'Escape') return;
          e.stopPropagation();
          if (!e.defaultPrevented) onClose();
        }}>
        <header className="ui-modal-head">
          <h3>{title}</h3>
          <button type="button" className="ui-icon-btn" aria-label="close" title="Close (Escape)" onClick={onClose}>×</button>
        </header>
        <div className="ui-modal-body">{children}</div>
        {footer && <footer className="ui-modal-foot">{footer}</footer>}
      </div>
    </div>
  );
}

export interface TabsProps<T extends string> {
  tabs: { id: T; label: ReactNode; testId?: string; title?: string }[];
  active: T;
  onChange: (id: T) => void;
  label: string;
  /** Rendered as a segmented control (a mode switch) instead of underlined tabs. */
  segmented?: boolean;
  className?: string;
}

export function Tabs<T extends string>({ tabs, active, onChange, label, segmented, className }: TabsProps<T>) {
  return (
    <div role="tablist" aria-label={label} className={`${segmented ? 'ui-segmented' : 'ui-tabs'}${className ? ` ${className}` : ''}`}>
      {tabs.map(t => (
        <button key={t.id} type="button" role="tab" aria-selected={t.id === active} className={t.id === active ? 'active' : undefined}
          data-testid={t.testId} title={t.title} onClick={() => { if (t.id !== active) onChange(t.id); }}>{t.label}</button>
      ))}
    </div>
  );
}
