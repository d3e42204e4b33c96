// Vite turns an imported asset into its URL.
declare module '*.svg' {
  const url: string;
  export default url;
}


// Vite (and so vitest) imports a file's text with '?raw'.
declare module '*?raw' {
  const text: string;
  export default text;
}
