# Regenerates tests/data/r_predict: R's predict.glm figures for rglm's tests of rglm.predict.
# Run from the repository root: Rscript tests/r/make_predict_cases.R
#
# For each model: predict(type = "terms", se.fit = TRUE) on new rows and on the fitted rows
# (with R's "constant" attribute), predict(type = "link"/"response", se.fit = TRUE) on the new
# rows, and confidence intervals by the rule rglm documents (R's predict.glm has none):
# eta +/- q se(eta) on the link scale, carried through linkinv (and sorted) to the response
# scale, with q = qnorm(1 - (1 - level)/2) when the dispersion is known (binomial, Poisson)
# and qt(1 - (1 - level)/2, df.residual) when it is estimated.  For Gaussian identity models
# the same interval from lm()'s predict.lm(interval = "confidence") is recorded as an
# independent check.
suppressMessages(library(jsonlite))
invisible(Sys.setlocale("LC_COLLATE", "C"))
out <- "tests/data/r_predict"
data_dir <- "tests/data/r_cases/data"
dir.create(out, recursive = TRUE, showWarnings = FALSE)

num <- function(x) { x <- unname(as.numeric(x)); x[!is.finite(x)] <- NA; x }
mat <- function(x) { x <- unname(as.matrix(x)); x[!is.finite(x)] <- NA; x }
read_data <- function(name) read.csv(file.path(data_dir, paste0(name, ".csv")), stringsAsFactors = TRUE)

make_case <- function(id, data, rformula, pyformula, family, pyfamily, link = NULL, weights = NULL, offset = NULL,
                      rows = 1:6, na_action = NULL) {
  d <- read_data(data)
  call_txt <- paste0("glm(", rformula, ", family = ", family, ", data = d",
                     if (!is.null(weights)) paste0(", weights = ", weights) else "",
                     if (!is.null(offset)) paste0(", offset = ", offset) else "",
                     if (!is.null(na_action)) paste0(", na.action = na.", na_action) else "", ")")
  m <- suppressWarnings(eval(parse(text = call_txt)))
  nd <- d[rows, , drop = FALSE]
  tn <- predict(m, nd, type = "terms", se.fit = TRUE)
  ti <- predict(m, type = "terms", se.fit = TRUE)
  pl <- predict(m, nd, type = "link", se.fit = TRUE)
  pr <- predict(m, nd, type = "response", se.fit = TRUE)
  fam <- family(m)
  estimated <- !(fam$family %in% c("binomial", "poisson"))
  intervals <- lapply(c(0.95, 0.90), function(level) {
    p <- 1 - (1 - level) / 2
    q <- if (estimated) qt(p, df.residual(m)) else qnorm(p)
    lo <- pl$fit - q * pl$se.fit; hi <- pl$fit + q * pl$se.fit
    rlo <- fam$linkinv(lo); rhi <- fam$linkinv(hi)
    list(level = level, q = q, link_lower = num(lo), link_upper = num(hi),
         response_lower = num(pmin(rlo, rhi)), response_upper = num(pmax(rlo, rhi)))
  })
  lm_ci <- NULL
  if (fam$family == "gaussian" && fam$link == "identity") {
    lm_txt <- sub("^glm\\(", "lm(", sub(", family = [^,]+", "", call_txt))
    fl <- eval(parse(text = lm_txt))
    lm_ci <- lapply(c(0.95, 0.90), function(level) {
      ci <- suppressWarnings(predict(fl, nd, interval = "confidence", level = level))
      list(level = level, fit = num(ci[, "fit"]), lower = num(ci[, "lwr"]), upper = num(ci[, "upr"]))
    })
  }
  ref <- list(
    call = call_txt, rows = I(rows - 1), estimated = estimated, df_residual = df.residual(m),
    term_labels = I(colnames(tn$fit)),
    terms_new = list(fit = mat(tn$fit), se = mat(tn$se.fit), constant = attr(tn$fit, "constant")),
    terms_in = list(fit = mat(ti$fit), se = mat(ti$se.fit), constant = attr(ti$fit, "constant"),
                    rows = I(as.integer(rownames(ti$fit)) - 1)),
    link = list(fit = num(pl$fit), se = num(pl$se.fit)),
    response = list(fit = num(pr$fit), se = num(pr$se.fit)),
    intervals = intervals, lm_confidence = lm_ci
  )
  py <- list(formula = pyformula, family = pyfamily, link = link, weights = weights, offset = offset,
             na_action = na_action, data = data)
  writeLines(toJSON(list(id = id, r = ref, python = py), auto_unbox = TRUE, digits = NA, null = "null",
                    na = "null", pretty = TRUE, matrix = "rowmajor"),
             file.path(out, paste0(id, ".json")))
  cat(sprintf("%-32s terms: %s\n", id, paste(colnames(tn$fit), collapse = ", ")))
}

make_case("birthwt_logit_terms", "birthwt", "low ~ age + lwt + factor(race) + smoke + smoke:lwt + I(age^2)",
          "low ~ age + lwt + C(race) + smoke + smoke:lwt + I(age**2)", "binomial()", "Binomial")
make_case("warpbreaks_poisson_factor_interaction", "warpbreaks", "breaks ~ wool * tension", "breaks ~ wool * tension",
          "poisson()", "Poisson", rows = c(1, 10, 20, 30, 40, 50))
make_case("ships_poisson_offset", "ships", "incidents ~ type + factor(period) + offset(log(service))",
          "incidents ~ type + C(period) + offset(log(service))", "poisson()", "Poisson", rows = c(2, 7, 12, 20, 30))
make_case("insurance_poisson_offset_arg", "insurance_off", "Claims ~ Group + Age", "Claims ~ Group + Age",
          "poisson()", "Poisson", offset = "logH", rows = c(1, 9, 18, 27, 36, 64))
make_case("mtcars_gaussian_weights", "mtcars", "mpg ~ wt + factor(am) + hp", "mpg ~ wt + C(am) + hp",
          "gaussian()", "Gaussian", weights = "cyl")
make_case("mtcars_gaussian_noint", "mtcars", "mpg ~ factor(cyl) + wt - 1", "mpg ~ C(cyl) + wt - 1",
          "gaussian()", "Gaussian", rows = c(1, 3, 5, 7, 9, 30))
make_case("mtcars_aliased", "mtcars", "mpg ~ wt + wt2 + hp", "mpg ~ wt + wt2 + hp", "gaussian()", "Gaussian")
make_case("budworm_probit_noint", "budworm", "cbind(numdead, numalive) ~ sex + ldose - 1",
          "cbind(numdead, numalive) ~ sex + ldose - 1", 'binomial(link = "probit")', "Binomial", link = "probit",
          rows = c(1, 4, 7, 10))
make_case("titanic_weights_zero", "titanic", "Survived ~ Class + Sex + Age", "Survived ~ Class + Sex + Age",
          "binomial()", "Binomial", weights = "Freq", rows = c(1, 5, 9, 13, 20, 30))
make_case("airquality_gamma_na", "airquality", "Ozone ~ Temp + Solar.R", "Ozone ~ Temp + Solar.R",
          'Gamma(link = "log")', "Gamma", link = "log", rows = c(1, 2, 5, 6, 20, 100))
make_case("airquality_gaussian_exclude", "airquality", "Ozone ~ Temp + Wind", "Ozone ~ Temp + Wind",
          "gaussian()", "Gaussian", na_action = "exclude", rows = c(1, 5, 10, 50))
make_case("trees_gamma_inverse", "trees", "Volume ~ log(Girth) + log(Height)", "Volume ~ log(Girth) + log(Height)",
          "Gamma()", "Gamma", rows = c(1, 8, 15, 22, 31))
make_case("clotting_invgauss", "clotting", "lot1 ~ log(u)", "lot1 ~ log(u)", "inverse.gaussian()",
          "InverseGaussian", rows = c(1, 3, 5, 9))
make_case("esoph_quasibinomial", "esoph", "cbind(ncases, ncontrols) ~ agegp + alcgp",
          "cbind(ncases, ncontrols) ~ agegp + alcgp", "quasibinomial()", "QuasiBinomial", rows = c(1, 15, 30, 45, 60, 88))
make_case("infert_interaction_factor", "infert", "case ~ spontaneous * age + education",
          "case ~ spontaneous * age + education", "binomial()", "Binomial", rows = c(1, 50, 100, 150, 200, 248))
