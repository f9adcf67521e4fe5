/** The one place the version lives: `ctdlsync --version` prints it. */
export const VERSION = "0.9.0";
