## Regenerates format_fixture.json, the R reference outputs used by
## tests/test_format.py:
##
##     Rscript tests/data/format/make_format_fixture.R
##
## Every double is stored exactly as a C99 hex float (sprintf("%a")), or as
## the tokens NA, NaN, Inf, -Inf.  Requires only base R (+ stats).

options(digits = 7, scipen = 0, width = 80, OutDec = ".",
        show.signif.stars = TRUE, warn = -1)
stopifnot(l10n_info()$`UTF-8`)           # legend uses UTF-8 quotes
set.seed(20240601)

here <- function() {
    a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
    if (length(a)) dirname(normalizePath(sub("^--file=", "", a[1]))) else "."
}

## ---- minimal JSON writer ---------------------------------------------------
js   <- function(s) paste0('"', gsub('(["\\\\])', '\\\\\\1', enc2utf8(s)), '"')
jarr <- function(v) paste0("[", paste(v, collapse = ","), "]")
jstr <- function(v) jarr(vapply(as.character(v), js, ""))
jhex <- function(x) jstr(sprintf("%a", as.double(x)))
jobj <- function(...) {
    l <- list(...)
    paste0("{", paste(js(names(l)), unlist(l), sep = ":", collapse = ","), "}")
}

## ---- format(x, digits, nsmall) ---------------------------------------------
fmt_cases <- character()
add_fmt <- function(x, digits, nsmall = 0L) {
    out <- format(as.double(x), digits = digits, nsmall = nsmall)
    fmt_cases[[length(fmt_cases) + 1L]] <<-
        jobj(x = jhex(x), digits = digits, nsmall = nsmall, out = jstr(out))
}

specials <- list(
    0, -0, c(0, -0), 1, -1, 0.1, 1/3, -2/3, pi, 100, 1e5, 123456, 1234567,
    12345678, 123456789, 1e15, 1e16, 2^53, 2^53 + 2, 1e22, 1e23, 1e-300,
    1e300, 5e-324, 2.225e-308, .Machine$double.xmax, -.Machine$double.xmax,
    0.00005, 0.5, 1.5, 2.5, 0.15, 0.25, 0.35, 0.45, -0.45, 9.9995, 99999.5,
    9.5, 0.95, 99.5, 999.95, 9996, 99996, 0.99996, 1e-5, 1e-4, 0.0001234,
    123456.7, 1e5 + 0.1, NA, NaN, Inf, -Inf, c(NA, 1), c(NaN, -1), c(Inf, 1.5),
    c(-Inf, 0.001), c(NA, NaN, Inf, -Inf), c(1, NA, -2.5), c(NA, NA),
    c(3.045, -0.454, 1.217e-15), c(3.045, 0.1709, 1.217e-15), c(1e-10, 1),
    c(1e10, 1), c(123456, 0.001), c(1e5, 1e-5), c(1e100, 1), c(1e-100, 1),
    c(1e-99, 1), c(1e-98, 1), c(1e99, 1e-99), c(0.1, 0.12, 0.123),
    c(1, 10, 100, 1000), c(-1, 0.5, 1e-3), c(12.5, 13.5, 14.5),
    c(0.000012345, 123.45), c(1e-15, 1e15), c(99999, 100000, 100001),
    c(1.25e-30, 2.5e35), 1.5e-40, 2.5e35, c(-0.0001, 123456),
    c(0.3 - 0.1, 0.2), 1 - 1e-15, 1 + 2^-52, 0.1 + 0.2, 1e-323, 4.5e-320
)
for (x in specials)
    for (d in c(1, 2, 3, 4, 5, 7, 10, 15, 16, 17, 22)) add_fmt(x, d)
for (x in specials[c(2, 6, 8, 9, 29, 33, 41, 53, 57, 60)])
    for (ns in c(1, 2, 5, 20)) add_fmt(x, 7, ns)

## ties and decade boundaries across the exponent range
for (k in seq(-40, 40, by = 3))
    for (m in c(1.5, 2.5, 9.5, 0.95, 9.95, 1.25, 9.9996)) add_fmt(m * 10^k, sample(1:4, 1))

## values where R's long double scaling by glibc powl(10, k) decides the
## rounding (found by brute force; kept here literally)
powl_cases <- list(
    c(0x1.4483cfc663887p-905, 13), c(0x1.c2a50c7773b7dp-908, 12),
    c(0x1.9bbfbee5d40e2p-898, 12), c(0x1.9ddb6e725fa82p-868, 14),
    c(0x1.36052286a1169p-871, 13), c(0x1.5fa1e3f40780bp-875, 12),
    c(0x1.424a8c7f421e6p-861, 12), c(0x1.5895e7d2eb09ap-785, 14),
    c(0x1.05fc486f25775p-784, 14), c(0x1.7108ecaa3ac5ep-735, 14),
    c(0x1.4d2514a0e591cp-602, 15), c(0x1.462c79d48633dp-605, 14),
    c(0x1.f2327326423cep-599, 14), c(0x1.e26ac98f5d118p-553, 15),
    c(0x1.8b4e8a178bd93p-154, 15), c(0x1.9a16e84b1a32ap-74, 15),
    c(0x1.f1b80b72a6f9cp+483, 15), c(0x1.bb6f65d587984p+517, 15),
    c(0x1.4b551cb1f7a5cp+524, 15), c(0x1.0d9afe6e7a7c3p+594, 15))
for (pc in powl_cases) add_fmt(pc[1], pc[2])

## values whose rounding depends on R's table entries 1e23 .. 1e27 being
## double (not exact long double) constants
tbl_cases <- list(
    c(0x1.291d80092de83p+126, 15), c(0x1.9b3a7336733e0p+121, 14),
    c(0x1.3904285dae557p+129, 15), c(0x1.0adf2d55fcdb2p+126, 14),
    c(0x1.f990a5d1b603fp+131, 15), c(0x1.48152a0393222p+128, 14),
    c(0x1.baee010259cc9p+135, 15), c(0x1.357cbd012b350p+130, 14),
    c(0x1.626f57152d6bcp+137, 15), c(0x1.b0ab7655f7609p+134, 14),
    c(0x1.1fe0982146dd9p-28, 15), c(0x1.0ab113c55643fp-30, 14),
    c(0x1.e42e6a0681cb3p-31, 15), c(0x1.28cc421bfa3a3p-34, 14),
    c(0x1.fae122fea6dbap-37, 15), c(0x1.94164d31f74f8p-38, 14),
    c(0x1.9f529b00b88f0p-38, 15), c(0x1.b60cebfa5ecb0p-41, 14),
    c(0x1.379afeac5a341p-41, 15), c(0x1.b111dfc4292d4p-44, 14),
    c(-0x1.204348e6340d4p-31, 14), c(0x1.1373525b72a9ap+126, 13))
for (tc in tbl_cases) add_fmt(tc[1], tc[2])

## random vectors
rsign <- function(n) sample(c(-1, 1), n, replace = TRUE)
for (i in 1:450) {
    n <- sample(1:6, 1)
    type <- sample(1:6, 1)
    x <- switch(type,
        rsign(n) * 10^runif(n, -20, 20),                      # anything
        rsign(n) * 10^runif(n, -4, 6),                        # everyday
        signif(rsign(n) * 10^runif(n, -8, 8), sample(1:6, 1)),# few digits
        rsign(n) * round(10^runif(n, 0, 12)),                 # integers
        rsign(n) * (floor(runif(n) * 10^sample(1:5, 1)) + 0.5) /
            10^sample(0:8, 1),                                # ties
        c(rsign(n) * 10^runif(n, -3, 3), 0))                  # with zero
    if (runif(1) < 0.1) x[sample(length(x), 1)] <- sample(c(NA, NaN, Inf, -Inf), 1)
    d <- sample(c(1:15, 3:7, 3:7), 1)
    ns <- if (runif(1) < 0.85) 0L else sample(1:6, 1)
    add_fmt(x, d, ns)
}

## ---- format.pval ------------------------------------------------------------
pval_cases <- character()
add_pval <- function(pv, digits, eps = .Machine$double.eps) {
    out <- format.pval(pv, digits = digits, eps = eps)
    pval_cases[[length(pval_cases) + 1L]] <<-
        jobj(pv = jhex(pv), digits = digits, eps = jhex(eps), out = jstr(out))
}
pspecials <- list(0, 1e-17, 2e-16, .Machine$double.eps, 2.3e-16, c(1e-300, 0.5),
    c(0, 0.05, 1), c(NA, 0.03), c(NaN, 1e-20), c(1e-5, 1e-4, 0.001, 0.01),
    c(0.00012, 0.5), 5e-5, c(1e-20, 0.0123, 0.5), c(1e-20, 1.2e-5, 0.5),
    c(1e-20, 0.0001234), c(1, 1), 0.99999, c(0.001, 0.00099), c(NA, NA),
    c(1e-20, 1e-30), c(2e-16, 0.2), c(0.05, 0.1, 0.15), 1e-4, 9.9999e-5)
for (pv in pspecials) for (d in 1:5) add_pval(pv, d)
for (pv in pspecials[c(1, 6, 10, 13, 14)]) for (e in c(1e-4, 1e-3, 0.05)) add_pval(pv, 3, e)
for (i in 1:80) {
    n <- sample(1:8, 1)
    pv <- 2 * pnorm(-abs(rnorm(n) * 10^runif(n, -1, 1.2)))
    if (runif(1) < 0.15) pv[sample(n, 1)] <- NA
    add_pval(pv, sample(1:6, 1))
}

## ---- signif() and round() ---------------------------------------------------
rnd_cases <- character()
add_rnd <- function(x, digits) {
    rnd_cases[[length(rnd_cases) + 1L]] <<-
        jobj(x = jhex(x), digits = digits, signif = jhex(signif(x, digits)),
             round = jhex(round(x, digits)))
}
rx <- c(0, -0, 0.15, 0.25, 2.5, -0.5, 1.005, 2.675, 0.285, 1e-310, 5e-324,
        1e300, -1e300, 123456.789, 0.1 + 0.2, NA, NaN, Inf, -Inf, 1/3,
        0.5 + 2^-52, 12345678901234567, 1.23456789e-200, 9.87654321e200)
for (d in c(-3, -1, 0, 1, 2, 3, 5, 10, 15, 16, 22, 23, 300, 320)) add_rnd(rx, d)
for (i in 1:120) {
    x <- sample(c(-1, 1), 5, TRUE) * 10^runif(5, -12, 12)
    if (i %% 3 == 0) x <- (floor(x * 1000) + 0.5) / 1000
    add_rnd(x, sample(-2:16, 1))
}

## ---- printCoefmat -----------------------------------------------------------
coef_cases <- character()
add_coef <- function(m, digits = 4L, lines = NULL, source = "printCoefmat") {
    if (is.null(lines))
        lines <- capture.output(printCoefmat(m, digits = digits,
                                             signif.stars = TRUE, na.print = "NA"))
    coef_cases[[length(coef_cases) + 1L]] <<-
        jobj(estimate = jhex(m[, 1]), std_error = jhex(m[, 2]),
             statistic = jhex(m[, 3]), pvalue = jhex(m[, 4]),
             row_names = jstr(rownames(m)), col_names = jstr(colnames(m)),
             digits = digits, source = js(source), lines = jstr(lines))
}
mk <- function(est, se, stat = est / se, pv = NULL, t = FALSE, df = 20,
               names = NULL) {
    if (is.null(pv))
        pv <- if (t) 2 * pt(-abs(stat), df) else 2 * pnorm(-abs(stat))
    m <- cbind(est, se, stat, pv)
    rownames(m) <- if (is.null(names))
        c("(Intercept)", paste0("x", seq_len(length(est) - 1)))[seq_along(est)]
        else names
    colnames(m) <- if (t) c("Estimate", "Std. Error", "t value", "Pr(>|t|)")
                   else c("Estimate", "Std. Error", "z value", "Pr(>|z|)")
    m
}
for (i in 1:30) {                      # realistic random tables
    p <- sample(1:8, 1)
    est <- rnorm(p) * 10^runif(p, -3, 3)
    se <- abs(est) * 10^runif(p, -2, 0.7)
    add_coef(mk(est, se, t = runif(1) < 0.4), digits = sample(c(4, 4, 4, 3, 5, 7), 1))
}
add_coef(mk(c(3.045, -0.454, 1.217e-15), c(0.1709, 0.0871, 0.1)))
add_coef(mk(c(1.2345, -0.00012, NA), c(0.1, 0.05, NA)))
add_coef(mk(c(0.5, 0.2, -0.1), c(1, 2, 3)))                     # no stars
add_coef(mk(c(0.5, 0.2, -0.1), c(1, 2, 3), t = TRUE))
add_coef(mk(c(12.3, 4e-8, -3e-9), c(1e-4, 1e-10, 2e-11)))      # huge z
add_coef(mk(c(0, 1, 2), c(0.5, 0.5, 0.5)))                       # zero estimate
add_coef(mk(c(1, NA, 3, NA), c(0.1, NA, 0.2, NA)))               # aliased
add_coef(mk(c(1.5, 2), c(NaN, NaN), t = TRUE))                   # saturated
add_coef(mk(c(1, 2, 3, 4, 5, 6), c(1, 1, 1, 1, 1, 1),
            pv = c(0, 0.001, 0.01, 0.05, 0.1, 1)))               # cutpoints
add_coef(mk(c(2.3, -19.6, 0.01), c(0.5, 3956.2, 0.003)))         # separation
add_coef(mk(c(1e-15, 2e-16, 3), c(1e-16, 1e-17, 0.5)))
add_coef(mk(c(123456.7, -98765.4), c(1234.5, 23456.1)))
add_coef(mk(c(1.23e10, 4.56e8), c(1e9, 2e8)))
add_coef(mk(c(1, 2), c(Inf, 0.5)))
add_coef(mk(c(0.001234, 0.0004321), c(0.0001, 0.0002)), digits = 3)
add_coef(mk(c(1.2, 3.4, 5.6), c(0.1, 0.2, 0.3),
            names = c("(Intercept)",
                      "a_really_long_variable_name_for_an_interaction_term:with_another_factor_levelA",
                      "short")))
add_coef(mk(c(-0.00001, 0.3), c(0.000004, 0.1)))
add_coef(mk(c(5, 6), c(1, 1), pv = c(NA, 0.5)))
add_coef(mk(c(1.0, 1.5), c(0.25, 0.5)))                          # exact
add_coef(mk(c(99.995, 0.04), c(0.0049, 0.0051)))

## real glm() fits: the block print.summary.glm prints
coef_block <- function(fit) {
    out <- capture.output(print(summary(fit)))
    i <- grep("^Coefficients", out)[1] + 1L
    j <- i - 1L + which(out[i:length(out)] == "")[1] - 1L
    s <- summary(fit)
    coefs <- s$coefficients
    if (any(s$aliased)) {
        coefs <- matrix(NA, length(s$aliased), 4L,
                        dimnames = list(names(s$aliased), colnames(coefs)))
        coefs[!s$aliased, ] <- s$coefficients
    }
    add_coef(coefs, 4L, out[i:j], "print.summary.glm")
}
clotting <- data.frame(u = c(5, 10, 15, 20, 30, 40, 60, 80, 100),
                       lot1 = c(118, 58, 42, 35, 27, 25, 21, 19, 18))
sep <- data.frame(x = 1:10, y = c(0, 0, 0, 0, 0, 1, 1, 1, 1, 1))
coef_block(glm(cbind(ncases, ncontrols) ~ agegp + tobgp * alcgp,
               data = esoph, family = binomial()))
coef_block(glm(count ~ spray, family = poisson, data = InsectSprays))
coef_block(glm(mpg ~ wt + hp, data = mtcars))
coef_block(glm(am ~ wt, family = binomial, data = mtcars))
coef_block(glm(mpg ~ wt + I(2 * wt) + hp, data = mtcars))
coef_block(glm(lot1 ~ log(u), data = clotting, family = Gamma))
coef_block(glm(y ~ x, data = data.frame(x = 1:2, y = c(1, 3))))
coef_block(glm(count ~ spray, family = quasipoisson, data = InsectSprays))
coef_block(glm(y ~ x, family = binomial, data = sep))
coef_block(glm(cyl ~ mpg + disp + hp + drat + wt + qsec, family = poisson, data = mtcars))
coef_block(glm(breaks ~ wool * tension, family = poisson, data = warpbreaks))

## ---- write --------------------------------------------------------------------
json <- paste0("{\n",
    '"r_version":', js(R.version.string), ",\n",
    '"format":', jarr(paste0("\n", fmt_cases)), ",\n",
    '"format_pval":', jarr(paste0("\n", pval_cases)), ",\n",
    '"round":', jarr(paste0("\n", rnd_cases)), ",\n",
    '"coefmat":', jarr(paste0("\n", coef_cases)), "\n}\n")
con <- file(file.path(here(), "format_fixture.json"), open = "w", encoding = "UTF-8")
writeLines(json, con, sep = "")
close(con)
cat(sprintf("format: %d, format_pval: %d, round: %d, coefmat: %d cases\n",
            length(fmt_cases), length(pval_cases), length(rnd_cases),
            length(coef_cases)))
