// The anywidget entry (natgrad_lib.live loads the bundle of this file as the widget's _esm).
import { injectStyle } from "./inject.js";
import { render } from "./explorers.js";

export default { render(args) { injectStyle(); return render(args); } };
