// The root package.json is the one place the release number lives; the bundler inlines it.
// eslint-disable-next-line @nx/enforce-module-boundaries
import rootPackage from '../../../package.json';

/** The Cube release every service reports in its health ping (one version for the whole repo). */
export const CUBE_VERSION: string = rootPackage.version;
