@problemName legacy
@timeStamps false
@multivariate true 2
@classLabel true 0 1 
@data
1.0,2.0,0.0:3.0,4.0,0.0:0
5.0,6.0,7.0:8.0,9.0,1.0E1:1
