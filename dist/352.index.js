export const id = 352;
export const ids = [352];
export const modules = {

/***/ 4352:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   codeDeployMain: () => (/* binding */ codeDeployMain)
/* harmony export */ });
/** CodeDeploy mode's main step (to be implemented). */
async function codeDeployMain(_config, _signal) {
    throw new Error('CodeDeploy mode is not available yet');
}


/***/ })

};
