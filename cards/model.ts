// The view model the renderers take. It is defined with the use-cases' output port (handlers/ports.ts)
// and re-exported here so renderers import their input from one place.
export type { CardAction, CardButton, CardView, Markup, UserText, View } from '../handlers/ports';
