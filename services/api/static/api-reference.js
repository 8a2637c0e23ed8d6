// Starts Swagger UI on the API reference page (templates/api_reference/page.html.j2). A file of its own rather
// than an inline script: the CSP allows scripts from our own origin only.
(function () {
  "use strict";

  // Accessible names that Swagger UI leaves out (axe: label, select-name, button-name), as a Swagger UI plugin
  // so that they hold after every render; the colours are in api-reference.css.
  function hiddenName(system, text) {
    return system.React.createElement("span", { key: "name", className: "api-ref-name" }, text);
  }

  function labelledByItsParameter(Original, system) {
    // a parameter's control: an enum or boolean is a <select> without a label; the name is in another cell
    return function (props) {
      var control = system.React.createElement(Original, props);
      if (!props.description) return control;
      return system.React.createElement("label", null, hiddenName(system, props.description), control);
    };
  }

  var accessibleNames = function () {
    return {
      wrapComponents: {
        JsonSchema_string: labelledByItsParameter,
        JsonSchema_boolean: labelledByItsParameter,
        TextArea: function (Original, system) {
          return function (props) {
            var body = /\bbody-param__text\b/.test(props.className || "");
            return system.React.createElement(Original, body ? Object.assign({ "aria-label": "Request body" }, props) : props);
          };
        },
        CloseIcon: function (Original, system) {
          // the dialog's close button holds this icon alone
          return function (props) {
            return [system.React.createElement(Original, Object.assign({ key: "icon" }, props)), hiddenName(system, "Close")];
          };
        },
      },
    };
  };

  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    plugins: [accessibleNames],
    // the highlighter's colours are inline and some lack contrast; plain text in api-reference.css's colours
    syntaxHighlight: false,
    // the default validator badge is an image from another site, which the CSP refuses
    validatorUrl: null,
  });
})();
