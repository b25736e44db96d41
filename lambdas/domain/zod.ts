/**
 * zod's mini build, with English issue messages; every schema of the functions imports zod from
 * here. Why mini: classic zod binds every method onto every schema instance as it is built and
 * cannot be tree-shaken, which cost a timer function ~20 ms of each cold start (`npm run bench`).
 * zod/mini registers no locale by itself, so without `en` every issue would read "Invalid input".
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
