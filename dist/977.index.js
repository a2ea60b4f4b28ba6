export const id = 977;
export const ids = [977];
export const modules = {

/***/ 9977:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   codeDeployPost: () => (/* binding */ codeDeployPost)
/* harmony export */ });
/** CodeDeploy mode's post step (to be implemented). */
async function codeDeployPost(_saved) {
    throw new Error('CodeDeploy mode is not available yet');
}


/***/ })

};
