/**
 * The "belay" sidebar tab's runtime side, a Node-RED plugin (package.json → node-red.plugins):
 * the admin endpoints and live updates of src/nodes/panel/. Its editor side is belay-panel.html.
 */
import { registerPanelEndpoints, type PanelAPI } from './panel/endpoints';

export = function (RED: PanelAPI) {
  RED.plugins.registerPlugin('belay-panel', { type: 'belay-panel' });
  registerPanelEndpoints(RED);
};
