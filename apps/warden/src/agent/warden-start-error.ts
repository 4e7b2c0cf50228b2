/** Why Warden cannot start for a cluster; the message is printed as the one line of a failed start. */
export class WardenStartError extends Error {}
