// The client matrix (harness/client-story.ts): the core story with npm 10, installed once from
// the npm registry into the npm clients cache (harness/npm-versions.ts).
import { clientStory } from './harness/client-story.ts';
import { PINNED_NPM } from './harness/npm-versions.ts';

clientStory({ major: 10, version: PINNED_NPM[10] });
