// Light or dark: the system's preference (prefers-color-scheme) unless the user picked one (kept in localStorage).
export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_STORAGE = 'flowconnectors.theme';

export function resolveTheme(choice: ThemeChoice, systemDark: boolean): 'light' | 'dark' {
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
}

export function storedTheme(): ThemeChoice {
  const value = localStorage.getItem(THEME_STORAGE);
  return value === 'light' || value === 'dark' ? value : 'system';
}
