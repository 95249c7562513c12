/**
 * The kernel ABI's declared version (vermagic's part of the check): bump it
 * when an exported symbol keeps its name and kind but changes its contract.
 */
export const KERNEL_ABI_VERSION = 2;
